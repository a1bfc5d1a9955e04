"""`curation evaluate`: score a pre-annotator on the public development data."""

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
                           "instead, with the regions annotators kept, edited, deleted or added, and lead times.")] = False,
    workspace: options.Workspace = None,
) -> None:
    """Score a pre-annotator: PolNeAR SOURCE spans, CheckThat! CLAIM and CoNLL-2010 HEDGE sentences
    (or, with --reviewed, the project's predictions against its reviewed annotations)."""
    if reviewed:
        show_utility(workspace, as_json)
        return
    if not (benchmarks / "polnear").is_dir():
        raise typer.BadParameter(f"no benchmark data at {benchmarks} (expected polnear/, checkthat2024/, conll2010-wiki/)",
                                 param_hint="'--benchmarks'")
    from rich.console import Console
    from rich.table import Table

    from curation.evaluation import evaluate
    from curation.preannotate import get_preannotator

    annotator = get_preannotator(preannotator)
    rows = evaluate(benchmarks, annotator)
    if as_json:
        emit([{"corpus": r.corpus, "label": r.label, "match": r.match, "precision": r.score.precision,
               "recall": r.score.recall, "f1": r.score.f1, "n": r.items} for r in rows])
        return
    table = Table(title=f"{annotator.model_version} on the development data")
    for column in ("corpus", "label", "match", "P", "R", "F1", "n"):
        table.add_column(column, justify="left" if column in ("corpus", "label", "match") else "right")
    for r in rows:
        table.add_row(r.corpus, r.label, r.match, f"{r.score.precision:.3f}", f"{r.score.recall:.3f}", f"{r.score.f1:.3f}", str(r.items))
    Console().print(table)
