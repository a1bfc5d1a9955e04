"""`curation push`: articles -> pre-annotated tasks -> the Label Studio project."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from curation.cli._app import app, fail, progress_bar
from curation.cli._failures import server_failures
from curation.cli.server import WorkspaceOption
from curation.cli.tasks import ProblemLog
from curation.pipeline import iter_tasks
from curation.preannotate import get_preannotator
from curation.server import ConnectionProblem, connect, target
from curation.server.locking import file_lock
from curation.sync.project import ConfigDrift, ensure_project, show_predictions
from curation.sync import ledger
from curation.sync.push import PushReport, dedupe as remove_duplicates, push_tasks, refresh_predictions
from curation.workspace import Workspace

RESUME = "what was imported before is kept and recorded: run `curation push` again to import the rest"
WaitOption = Annotated[bool, typer.Option("--wait", help="If another operator's command of this kind is running in "
                                                         "this workspace, wait for it instead of stopping.")]


@app.command()
def push(
    inputs: Annotated[list[Path], typer.Argument(help="Article files or directories (.txt, .md, .html, .jsonl).")],
    workspace: WorkspaceOption = None,
    preannotator: Annotated[str, typer.Option(help="Registered pre-annotator to predict spans with.")] = "rules",
    no_predictions: Annotated[bool, typer.Option("--no-predictions", help="Push tasks without predictions.")] = False,
    batch_size: Annotated[Optional[int], typer.Option(help="Tasks per import request (default: workspace config).")] = None,
    workers: Annotated[int, typer.Option(help="Processes for pre-annotation.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Replace a labeling config that differs from the schema.")] = False,
    predictions_only: Annotated[bool, typer.Option(
        "--predictions-only", help="Add this pre-annotator's predictions to tasks already in the project; import nothing.")] = False,
    full: Annotated[bool, typer.Option("--full", help="List the project instead of trusting the local push ledger.")] = False,
    dedupe: Annotated[bool, typer.Option("--dedupe", help="Delete duplicate tasks of one article text already in the "
                                                          "project, keeping the annotated one (implies --full).")] = False,
    wait: WaitOption = False,
) -> None:
    """Create or update the Label Studio project and import the articles' tasks (idempotent; safe to re-run)."""
    ws = Workspace.from_env(workspace)
    if predictions_only and no_predictions:
        typer.echo("error: --predictions-only and --no-predictions contradict each other", err=True)
        raise typer.Exit(2)
    model_version = None if no_predictions else get_preannotator(preannotator).model_version
    with file_lock(ws.lock_path("push"), wait=wait, what="push in this workspace"), \
            server_failures("the push", RESUME):
        _push(ws, inputs, model_version, preannotator if not no_predictions else None, batch_size, workers, force,
              predictions_only, full or dedupe, dedupe)


def _push(ws: Workspace, inputs: list[Path], model_version: str | None, preannotator: str | None,
          batch_size: int | None, workers: int, force: bool, predictions_only: bool, full: bool, dedupe: bool) -> None:
    try:
        client = connect(ws)
        project = ensure_project(client, ws, model_version, force=force)
    except (ConnectionProblem, ConfigDrift) as exc:
        raise fail(exc) from None
    problems = ProblemLog()
    tasks = iter_tasks(inputs, problems, preannotator=preannotator, workers=workers)
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
        for article_id in refreshed.not_in_project:
            typer.echo(f"{article_id}: no task with this text in the project; push it first", err=True)
        typer.echo(f"added {refreshed.refreshed} {model_version} predictions, {refreshed.current} tasks already had one;"
                   f" project: {url}")
        raise typer.Exit(1 if problems.errors else 0)
    for article_id, old_task in report.superseded:
        typer.echo(f"{article_id}: text changed; imported as a new task, old task {old_task} kept", err=True)
    left = duplicates(client, report, dedupe)
    typer.echo(f"imported {report.imported} tasks, {report.unchanged} already there; project: {url}")
    if problems.errors or left:
        raise typer.Exit(1)


def duplicates(client, report: PushReport, dedupe: bool) -> int:  # type: ignore[no-untyped-def]
    """Report the project's duplicate tasks (removing the unannotated ones with `dedupe`); how many are left."""
    if dedupe:
        report.removed = remove_duplicates(client, report.duplicates)
    left = 0
    for dup in report.duplicates:
        extra = [t for t in dup.others if t not in report.removed]
        left += len(extra)
        if extra:
            hint = (f"{', '.join(map(str, dup.annotated_others))} annotated too: merge by hand" if dup.annotated_others
                    else "remove with `curation push --dedupe`")
            typer.echo(f"{dup.key[0]}: {len(dup.others) + 1} tasks of one text: {dup.keep} kept, "
                       f"{', '.join(map(str, extra))} duplicate ({hint})", err=True)
    if report.removed:
        typer.echo(f"removed {len(report.removed)} duplicate tasks", err=True)
    return left
