"""`curation pull` and `curation status`: annotations back from Label Studio, and where the work stands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from curation.cli import options
from curation.cli._app import app, emit, fail, output, progress_bar

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

    from curation.workspace import Workspace


def _project(ws: Workspace) -> tuple[LabelStudio, int]:
    from curation.server import connect

    project_id = ws.config().project_id
    if project_id is None:
        raise fail(f"no project yet in {ws.root}: run `curation push` first")
    return connect(ws), project_id


@app.command("pull")
def pull_cli(
    workspace: options.Workspace = None,
    full: Annotated[bool, typer.Option("--full", help="Compare every task, not only recently updated ones.")] = False,
    as_json: options.Json = False,
) -> None:
    """Fetch new, changed and deleted annotations into append-only snapshots under .curation/snapshots/."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    from curation.sync.pull import pull
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    client, project_id = _project(ws)
    try:
        with progress_bar() as progress:
            bar = progress.add_task("listing tasks", total=None)
            report = pull(client, ws, project_id, full=full, on_task=lambda r: progress.update(
                bar, completed=r.tasks_fetched, description=f"{r.tasks_checked} listed, {r.tasks_fetched} fetched"))
    except (httpx.HTTPError, ApiError) as exc:  # an ApiError's text holds request headers: name only its status
        what = f"HTTP {exc.status_code}" if isinstance(exc, ApiError) else type(exc).__name__
        raise fail(f"Label Studio stopped answering during the pull ({what}); nothing from this pull was stored: "
                   "run `curation pull` again") from None
    events = ", ".join(f"{n} {kind}" for kind, n in report.events.items())
    output(as_json, {"project_id": project_id, "pull_id": report.pull_id, "tasks_checked": report.tasks_checked,
                     "tasks_fetched": report.tasks_fetched, "events": report.events, "offset_errors": report.offset_errors},
           [f"checked {report.tasks_checked} tasks, fetched {report.tasks_fetched}: {events}"],
           [f"offset mismatch: {error}" for error in report.offset_errors])
    if report.offset_errors:
        raise typer.Exit(1)


@app.command("status")
def status_cli(workspace: options.Workspace = None, as_json: options.Json = False) -> None:
    """Tasks per review state and annotations per annotator, from the last pull."""
    from rich.console import Console
    from rich.table import Table

    from curation.sync.review import STATES
    from curation.sync.status import project_status
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    client, project_id = _project(ws)
    report = project_status(client, ws, project_id)
    by_state, annotators = report.tasks, report.annotators
    if as_json:
        emit({"project_id": project_id, "tasks": by_state, "annotators": annotators,
              "self_accepted_not_reviewed": report.self_accepted, "waiting_for_overlap": report.waiting_for_overlap})
        return
    console = Console()
    table = Table(title=f"project {project_id}")
    for state in STATES:
        table.add_column(state, justify="right")
    table.add_row(*(str(by_state[s]) for s in STATES))
    console.print(table)
    console.print(f"self-accepted, not reviewed: {report.self_accepted} tasks (an annotator's accept is no review); "
                  f"waiting for more annotators (overlap): {report.waiting_for_overlap} tasks")
    people = Table(title="annotators")
    for column in ("annotator", "submitted", "skipped"):
        people.add_column(column, justify="right")
    for who, n in annotators.items():
        people.add_row(who, str(n["submitted"]), str(n["skipped"]))
    console.print(people)
