"""`curation evaluate`: score a pre-annotator on the public development data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from curation.cli._app import app
from curation.cli.quality import show_utility
from curation.cli.server import WorkspaceOption
from curation.evaluation import evaluate as run_evaluation
from curation.preannotate import get_preannotator


@app.command()
def evaluate(
    benchmarks: Annotated[Path, typer.Option(help="Folder of the public development data.")] = Path("../shared/benchmarks"),
    preannotator: Annotated[str, typer.Option(help="Registered pre-annotator to score.")] = "rules",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    reviewed: Annotated[bool, typer.Option(
        "--reviewed", help="Score the project's pre-annotations against its reviewed annotations (pulled snapshots) "
                           "instead, with the regions annotators kept, edited, deleted or added, and lead times.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Score a pre-annotator: PolNeAR SOURCE spans, CheckThat! CLAIM and CoNLL-2010 HEDGE sentences
    (or, with --reviewed, the project's predictions against its reviewed annotations)."""
    if reviewed:
        show_utility(workspace, as_json)
        return
    if not (benchmarks / "polnear").is_dir():
        typer.echo(f"no benchmark data at {benchmarks} (expected polnear/, checkthat2024/, conll2010-wiki/)", err=True)
        raise typer.Exit(2)
    annotator = get_preannotator(preannotator)
    rows = run_evaluation(benchmarks, annotator)
    if as_json:
        typer.echo(json.dumps([{"corpus": r.corpus, "label": r.label, "match": r.match, "precision": r.score.precision,
                                "recall": r.score.recall, "f1": r.score.f1, "n": r.items} for r in rows], indent=2))
        return
    table = Table(title=f"{annotator.model_version} on the development data")
    for column in ("corpus", "label", "match", "P", "R", "F1", "n"):
        table.add_column(column, justify="left" if column in ("corpus", "label", "match") else "right")
    for r in rows:
        table.add_row(r.corpus, r.label, r.match, f"{r.score.precision:.3f}", f"{r.score.recall:.3f}", f"{r.score.f1:.3f}", str(r.items))
    Console().print(table)
