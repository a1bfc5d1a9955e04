"""`curation push`: articles -> pre-annotated tasks -> the Label Studio project."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Optional

import typer

from curation import defaults
from curation.cli import options
from curation.cli._app import app, output, progress_bar, usage
from curation.cli.tasks import ProblemLog


@app.command("push")
def push_cli(
    inputs: options.Inputs,
    workspace: options.Workspace = None,
    preannotator: options.Preannotator = defaults.PREANNOTATOR,
    no_predictions: options.NoPredictions = False,
    batch_size: Annotated[Optional[int], typer.Option(min=1, help="Tasks per import request (default: workspace config).")] = None,
    workers: options.Workers = defaults.WORKERS,
    max_bytes: options.MaxBytes = defaults.MAX_BYTES,
    force: Annotated[bool, typer.Option("--force", help="Replace a labeling config that differs from the schema.")] = False,
    predictions_only: Annotated[bool, typer.Option(
        "--predictions-only", help="Add this pre-annotator's predictions to tasks already in the project; import nothing.")] = False,
    full: Annotated[bool, typer.Option("--full", help="List the project instead of trusting the local push ledger.")] = False,
    overlap: Annotated[Optional[int], typer.Option(
        help="Annotators per task (Label Studio's maximum_annotations); remembered in the workspace.")] = None,
    overlap_share: Annotated[Optional[int], typer.Option(
        help="Percentage of tasks that get --overlap annotators; the others get one.")] = None,
    as_json: options.Json = False,
) -> None:
    """Create or update the Label Studio project and import the articles' tasks (idempotent; safe to re-run)."""
    from curation.pipeline import iter_tasks
    from curation.preannotate import get_preannotator
    from curation.server import connect, target
    from curation.sync import ledger
    from curation.sync.project import ensure_project, show_predictions
    from curation.sync.push import push_tasks, refresh_predictions
    from curation.team.overlap import checked_overlap
    from curation.workspace import Workspace

    if predictions_only and no_predictions:
        usage("--predictions-only and --no-predictions contradict each other")
    ws = Workspace.from_env(workspace)
    model_version = None if no_predictions else get_preannotator(preannotator).model_version
    wanted = checked_overlap(ws, overlap, overlap_share)  # before anything is sent or saved
    client = connect(ws)
    project = ensure_project(client, ws, model_version, force=force, overlap=wanted)
    problems = ProblemLog()
    tasks = iter_tasks(inputs, problems, preannotator=None if no_predictions else preannotator, workers=workers,
                       max_bytes=max_bytes)
    size = batch_size or ws.config().batch_size
    url = f"{target(ws).url}/projects/{project.id}"
    with progress_bar() as progress:
        bar = progress.add_task("predictions" if predictions_only else "imported", total=None)
        advance = partial(progress.advance, bar)
        if predictions_only:
            refreshed = refresh_predictions(client, project.id, tasks, batch_size=size, on_batch=advance)
        else:
            report = push_tasks(client, project.id, tasks, batch_size=size, on_batch=advance,
                                ledger_path=ledger.path_for(ws, project.id), full=full)
    if model_version and not show_predictions(client, project.id, model_version):
        typer.echo(f"warning: no task has a {model_version} prediction yet; add them with --predictions-only", err=True)
    if predictions_only:
        payload = {"project_id": project.id, "url": url, "model_version": model_version, "added": refreshed.refreshed,
                   "current": refreshed.current, "not_in_project": refreshed.not_in_project}
        notes = [f"{article_id}: no task with this text in the project; push it first"
                 for article_id in refreshed.not_in_project]
        line = f"added {refreshed.refreshed} {model_version} predictions, {refreshed.current} tasks already had one"
    else:
        payload = {"project_id": project.id, "url": url, "imported": report.imported, "unchanged": report.unchanged,
                   "superseded": [{"article_id": a, "old_task_id": t} for a, t in report.superseded]}
        notes = [f"{article_id}: text changed; imported as a new task, old task {old_task} kept"
                 for article_id, old_task in report.superseded]
        line = f"imported {report.imported} tasks, {report.unchanged} already there"
    output(as_json, {**payload, "problems": problems.as_json()}, [f"{line}; project: {url}"], notes)
    if problems.errors:
        raise typer.Exit(1)
