"""`curation push`: articles -> pre-annotated tasks -> the Label Studio project."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from curation.cli._app import app, fail, progress_bar
from curation.cli.server import WorkspaceOption
from curation.cli.tasks import NearDuplicatesOption, ProblemLog, ThresholdOption
from curation.pipeline import iter_tasks
from curation.preannotate import get_preannotator
from curation.server import ConnectionProblem, connect, target
from curation.sync.project import ConfigDrift, ensure_project, show_predictions
from curation.sync import ledger
from curation.sync.push import push_tasks, refresh_predictions
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
    predictions_only: Annotated[bool, typer.Option(
        "--predictions-only", help="Add this pre-annotator's predictions to tasks already in the project; import nothing.")] = False,
    full: Annotated[bool, typer.Option("--full", help="List the project instead of trusting the local push ledger.")] = False,
    copies: Annotated[str, typer.Option(
        help="Syndicated copies of a story: link (import the first, show the others on it), skip, or annotate "
             "(import all).")] = "link",
    near_duplicates: NearDuplicatesOption = True,
    threshold: ThresholdOption = None,
) -> None:
    """Create or update the Label Studio project and import the articles' tasks (idempotent; safe to re-run)."""
    ws = Workspace.from_env(workspace)
    if predictions_only and no_predictions:
        typer.echo("error: --predictions-only and --no-predictions contradict each other", err=True)
        raise typer.Exit(2)
    model_version = None if no_predictions else get_preannotator(preannotator).model_version
    try:
        client = connect(ws)
        project = ensure_project(client, ws, model_version, force=force)
    except (ConnectionProblem, ConfigDrift) as exc:
        raise fail(exc) from None
    problems = ProblemLog()
    placing = story_push(ws, project.id, copies, threshold) if near_duplicates and not predictions_only else None
    tasks = iter_tasks(inputs, problems, preannotator=None if no_predictions else preannotator, workers=workers,
                       stories=placing.stories if placing else None)
    size = batch_size or ws.config().batch_size
    url = f"{target(ws).url}/projects/{project.id}"
    with progress_bar() as progress:
        bar = progress.add_task("predictions" if predictions_only else "imported", total=None)
        advance = partial(progress.advance, bar)
        if predictions_only:
            refreshed = refresh_predictions(client, project.id, tasks, batch_size=size, on_batch=advance)
        else:
            report = push_tasks(client, project.id, tasks, batch_size=size, on_batch=advance,
                                ledger_path=ledger.path_for(ws, project.id), full=full, stories=placing)
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
    if placing is not None:
        report_stories(placing)
    typer.echo(f"imported {report.imported} tasks, {report.unchanged} already there; project: {url}")
    if problems.errors:
        raise typer.Exit(1)


def story_push(ws: Workspace, project_id: int, copies: str, threshold: float | None):  # type: ignore[no-untyped-def]
    """The stories of the project (its registry) and what to do with copies, or fail with one line."""
    from curation.stories.assign import for_workspace
    from curation.stories.sync import Copies, StoryPush
    from curation.workspace import WorkspaceError

    if copies not in Copies.__members__:
        raise fail(f"--copies {copies!r}: use link, skip or annotate")
    try:
        return StoryPush(for_workspace(ws, project_id, threshold=threshold), Copies(copies))
    except WorkspaceError as exc:
        raise fail(exc) from None


def report_stories(placing) -> None:  # type: ignore[no-untyped-def]
    """What push did with copies, on stderr like the near-duplicate warnings."""
    if placing.linked:
        typer.echo(f"{len(placing.linked)} copies recorded as copies of their story's first article, not imported "
                   f"(--copies link); {len(placing.announced)} tasks show them as \"also published as\"", err=True)
    if placing.skipped:
        typer.echo(f"{len(placing.skipped)} copies left out (--copies skip)", err=True)
