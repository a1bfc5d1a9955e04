"""`curation push`: articles -> pre-annotated tasks -> the Label Studio project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from curation.cli._app import app
from curation.cli.server import WorkspaceOption
from curation.cli.tasks import ProblemLog
from curation.pipeline import iter_tasks
from curation.preannotate import get_preannotator
from curation.server import ConnectionProblem, connect, target
from curation.sync.project import ConfigDrift, ensure_project
from curation.sync.push import push_tasks
from curation.workspace import Workspace


@app.command()
def push(
    inputs: Annotated[list[Path], typer.Argument(help="Article files or directories (.txt, .md, .html, .jsonl).")],
    workspace: WorkspaceOption = None,
    preannotator: Annotated[str, typer.Option(help="Registered pre-annotator to predict spans with.")] = "rules",
    no_predictions: Annotated[bool, typer.Option("--no-predictions", help="Push tasks without predictions.")] = False,
    batch_size: Annotated[Optional[int], typer.Option(help="Tasks per import request (default: workspace config).")] = None,
    workers: Annotated[int, typer.Option(help="Processes for pre-annotation.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Replace a labeling config that differs from the schema.")] = False,
) -> None:
    """Create or update the Label Studio project and import the articles' tasks (idempotent; safe to re-run)."""
    ws = Workspace.from_env(workspace)
    model_version = None if no_predictions else get_preannotator(preannotator).model_version
    try:
        client = connect(ws)
        project = ensure_project(client, ws, model_version, force=force)
    except (ConnectionProblem, ConfigDrift) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    problems = ProblemLog()
    tasks = iter_tasks(inputs, problems, preannotator=None if no_predictions else preannotator, workers=workers)
    columns = (SpinnerColumn(), TextColumn("imported"), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task("push", total=None)
        report = push_tasks(client, project.id, tasks, batch_size=batch_size or ws.config().batch_size,
                            on_batch=lambda n: progress.advance(bar, n))
    for article_id, old_task in report.superseded:
        typer.echo(f"{article_id}: text changed; imported as a new task, old task {old_task} kept", err=True)
    url = f"{target(ws).url}/projects/{project.id}"
    typer.echo(f"imported {report.imported} tasks, {report.unchanged} already there; project: {url}")
    if problems.errors:
        raise typer.Exit(1)
