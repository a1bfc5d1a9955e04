"""`curation evaluate`: score a pre-annotator on the public development data, or on the project's reviewed tasks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from curation.cli._app import app, fail
from curation.cli.server import WorkspaceOption


@app.command()
def evaluate(
    benchmarks: Annotated[Path, typer.Option(help="Folder of the public development data.")] = Path("../shared/benchmarks"),
    preannotator: Annotated[str, typer.Option(
        help="Pre-annotator to score: a registered name or model:MODEL_DIR (then shown beside the rules).")] = "rules",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    reviewed: Annotated[bool, typer.Option(
        "--reviewed", help="Score the project's pre-annotations against its reviewed annotations (pulled snapshots) "
                           "instead, with the regions annotators kept, edited, deleted or added, and lead times; "
                           "with --preannotator, also the rules and that pre-annotator re-run on the reviewed texts.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Score a pre-annotator: PolNeAR SOURCE spans, CheckThat! CLAIM and CoNLL-2010 HEDGE sentences
    (or, with --reviewed, the project's predictions against its reviewed annotations)."""
    from curation.preannotate import PreannotatorError, get_preannotator

    try:
        annotator = get_preannotator(preannotator)
        rules = annotator if preannotator == "rules" else get_preannotator("rules")
    except PreannotatorError as exc:
        raise fail(exc) from None
    if reviewed:
        show_reviewed(workspace, as_json, [] if annotator is rules else [rules, annotator])
        return
    if not (benchmarks / "polnear").is_dir():
        typer.echo(f"no benchmark data at {benchmarks} (expected polnear/, checkthat2024/, conll2010-wiki/)", err=True)
        raise typer.Exit(2)
    from curation.evaluation import evaluate as run_evaluation
    from curation.evaluation.side_by_side import compare

    rows = run_evaluation(benchmarks, annotator) if annotator is rules else compare(benchmarks, rules, annotator)
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    show_rows(rows)


def show_rows(rows: list) -> None:
    """One line per corpus and match, one column group per pre-annotator."""
    from rich.console import Console
    from rich.table import Table

    versions = list(dict.fromkeys(r.model_version for r in rows))
    by_key = {(r.corpus, r.label, r.match, r.model_version): r for r in rows}
    keys = list(dict.fromkeys((r.corpus, r.label, r.match) for r in rows))
    table = Table(title=f"{' vs '.join(versions)} on the development data")
    for column in ("corpus", "label", "match"):
        table.add_column(column)
    for version in versions:
        for column in ("P", "R", "F1"):
            table.add_column(f"{column}\n{version}" if column == "P" else column, justify="right")
    table.add_column("n", justify="right")
    notes = set()
    for key in keys:
        cells = []
        for version in versions:
            r = by_key.get((*key, version))
            mark = "*" if r is not None and r.how == "cross-validated" else ""
            notes |= {mark} - {""}
            cells += [f"{r.score.precision:.3f}", f"{r.score.recall:.3f}", f"{r.score.f1:.3f}{mark}"] if r else ["-"] * 3
        table.add_row(*key, *cells, str(by_key.get((*key, versions[0])).items if (*key, versions[0]) in by_key else ""))
    Console().print(table)
    if notes:
        typer.echo("* the model was trained on this corpus: its figure is the out-of-fold (cross-validated) one "
                   "from its card, over the same sentences")


def show_reviewed(workspace: Path | None, as_json: bool, annotators: list) -> None:
    """What annotators were shown, against the reviewed annotations; then each pre-annotator re-run."""
    from curation.cli.quality import loaded, print_frame, show_utility
    from curation.evaluation.reviewed import rerun

    if not annotators:
        show_utility(workspace, as_json)
        return
    from curation.quality.utility import utility

    ws, pulled = loaded(workspace)
    shown = utility(pulled, ws.config().review)
    fresh = rerun(pulled, ws.config().review, annotators)
    if as_json:
        typer.echo(json.dumps({"shown": shown.as_dict(), "rerun": fresh.to_dicts()}, indent=2))
        return
    from rich.console import Console

    show_utility(workspace, False)
    print_frame(Console(), "re-run on the reviewed texts (seen_in_training: articles the model was trained on)",
                fresh.drop("tp", "fp", "fn"))
