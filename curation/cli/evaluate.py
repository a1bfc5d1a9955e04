"""`curation evaluate`: score a pre-annotator on the public development data, or on the project's reviewed tasks;
a trained model (`model:DIR`) is shown beside the rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from curation import defaults
from curation.cli import options
from curation.cli._app import app, emit
from curation.cli.quality import show_utility


@app.command("evaluate")
def evaluate_cli(
    benchmarks: Annotated[Path, typer.Option(help="Folder of the public development data.")] = Path("../shared/benchmarks"),
    preannotator: options.Preannotator = defaults.PREANNOTATOR,
    as_json: options.Json = False,
    reviewed: Annotated[bool, typer.Option(
        "--reviewed", help="Score the project's pre-annotations against its reviewed annotations (pulled snapshots) "
                           "instead, with the regions annotators kept, edited, deleted or added, and lead times; "
                           "with another --preannotator, also the rules and it re-run on the reviewed texts.")] = False,
    workspace: options.Workspace = None,
) -> None:
    """Score a pre-annotator: PolNeAR SOURCE spans, CheckThat! CLAIM and CoNLL-2010 HEDGE sentences
    (or, with --reviewed, the project's predictions against its reviewed annotations)."""
    from curation.preannotate import get_preannotator

    annotator = get_preannotator(preannotator)
    rules = annotator if preannotator == defaults.PREANNOTATOR else get_preannotator(defaults.PREANNOTATOR)
    if reviewed:
        if annotator is rules:
            show_utility(workspace, as_json)
        else:
            show_reviewed(workspace, as_json, [rules, annotator])
        return
    if not (benchmarks / "polnear").is_dir():
        raise typer.BadParameter(f"no benchmark data at {benchmarks} (expected polnear/, checkthat2024/, conll2010-wiki/)",
                                 param_hint="'--benchmarks'")
    from curation.evaluation import evaluate
    from curation.evaluation.side_by_side import compare

    rows = evaluate(benchmarks, annotator) if annotator is rules else compare(benchmarks, rules, annotator)
    if as_json:
        emit([r.as_dict() for r in rows])
        return
    show_rows(rows)


def show_rows(rows: list) -> None:
    """One line per corpus and match, one column group (P, R, F1) per pre-annotator."""
    from rich.console import Console
    from rich.table import Table

    versions = list(dict.fromkeys(r.model_version for r in rows))
    by_key = {(r.corpus, r.label, r.match, r.model_version): r for r in rows}
    keys = list(dict.fromkeys((r.corpus, r.label, r.match) for r in rows))
    table = Table(title=f"{' vs '.join(versions)} on the development data")
    for column in ("corpus", "label", "match"):
        table.add_column(column)
    for version in versions:
        table.add_column(f"P\n{version}", justify="right")
        table.add_column("R", justify="right")
        table.add_column("F1", justify="right")
    table.add_column("n", justify="right")
    cross_validated = False
    for key in keys:
        cells = []
        for version in versions:
            r = by_key.get((*key, version))
            mark = "*" if r is not None and r.how == "cross-validated" else ""
            cross_validated |= bool(mark)
            cells += [f"{r.score.precision:.3f}", f"{r.score.recall:.3f}", f"{r.score.f1:.3f}{mark}"] if r else ["-"] * 3
        first = next(r for v in versions if (r := by_key.get((*key, v))))
        table.add_row(*key, *cells, str(first.items))
    Console().print(table)
    if cross_validated:
        typer.echo("* the model was trained on this corpus: its figure is the out-of-fold (cross-validated) one "
                   "from its card, over the same sentences")


def show_reviewed(workspace: Path | None, as_json: bool, annotators: list) -> None:
    """What annotators were shown, against the reviewed annotations; then each pre-annotator re-run on the texts."""
    from rich.console import Console

    from curation.cli.quality import loaded, print_frame
    from curation.evaluation.reviewed import rerun
    from curation.quality.utility import utility
    from curation.team.roster import review_rule

    ws, pulled = loaded(workspace)
    rule = review_rule(ws)
    shown, fresh = utility(pulled, rule), rerun(pulled, rule, annotators)
    if as_json:
        emit({"shown": shown.as_dict(), "rerun": fresh.to_dicts()})
        return
    show_utility(workspace, False)
    print_frame(Console(), "re-run on the reviewed texts (seen_in_training: articles the model was trained on)",
                fresh.drop("tp", "fp", "fn"))
