"""`curation pull` and `curation status`: annotations back from Label Studio, and where the work stands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from curation.cli import options
from curation.cli._app import app, emit, output, progress_bar

if TYPE_CHECKING:
    from curation.workspace import Workspace


@app.command("pull")
def pull_cli(
    workspace: options.Workspace = None,
    full: Annotated[bool, typer.Option("--full", help="Compare every task, not only recently updated ones; set aside "
                                                      "damaged snapshot files and fetch their annotations again.")] = False,
    wait: options.Wait = False,
    as_json: options.Json = False,
) -> None:
    """Fetch new, changed and deleted annotations into append-only snapshots under .curation/snapshots/."""
    from curation.cli._failures import server_failures
    from curation.server import connect
    from curation.server.locking import file_lock
    from curation.sync.pull import pull
    from curation.sync.snapshots import current_project
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    project_id = current_project(ws)
    with file_lock(ws.lock_path("pull"), wait=wait, what="pull in this workspace"), \
            server_failures("the pull", "nothing from this pull was stored: run `curation pull` again"):
        client = connect(ws)
        with progress_bar() as progress:
            bar = progress.add_task("listing tasks", total=None)
            report = pull(client, ws, project_id, full=full, on_task=lambda r: progress.update(
                bar, completed=r.tasks_fetched, description=f"{r.tasks_checked} listed, {r.tasks_fetched} fetched"))
    events = ", ".join(f"{n} {kind}" for kind, n in report.events.items())
    output(as_json, {"project_id": project_id, "pull_id": report.pull_id, "tasks_checked": report.tasks_checked,
                     "tasks_fetched": report.tasks_fetched, "events": report.events, "offset_errors": report.offset_errors,
                     "set_aside": [str(p) for p in report.set_aside]},
           [f"checked {report.tasks_checked} tasks, fetched {report.tasks_fetched}: {events}"],
           [f"warning: set aside {path} (unreadable, or the other file of an unreadable pull); its annotations were "
            "fetched again" for path in report.set_aside] + [f"offset mismatch: {error}" for error in report.offset_errors])
    if report.offset_errors:
        raise typer.Exit(1)


@app.command("status")
def status_cli(
    workspace: options.Workspace = None,
    live: Annotated[bool, typer.Option("--live", help="Ask the server for the task count and the tasks in progress "
                                                      "(drafts) instead of using the last pull alone.")] = False,
    as_json: options.Json = False,
) -> None:
    """Tasks per review state and annotations per annotator, from the last pull (no server needed)."""
    from rich.console import Console
    from rich.table import Table

    from curation.cli._failures import server_failures
    from curation.server import connect
    from curation.sync.review import STATES
    from curation.sync.snapshots import current_project
    from curation.sync.status import project_status
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    project_id = current_project(ws)
    with server_failures("the status", "run `curation status` without --live for the figures of the last pull"):
        report = project_status(ws, project_id, connect(ws) if live else None)
    by_state, annotators = report.tasks, report.annotators
    stories = story_counts(ws, project_id)
    if as_json:
        emit({"project_id": project_id, "pulled_at": report.pulled_at, "live": report.live, "tasks": by_state,
              "annotators": annotators, "self_accepted_not_reviewed": report.self_accepted,
              "waiting_for_overlap": report.waiting_for_overlap, "stories": stories})
        return
    console = Console()
    table = Table(title=f"project {project_id}, " + ("live" if report.live else f"as of the last pull ({report.pulled_at})"))
    for state in STATES:
        table.add_column(state, justify="right")
    table.add_row(*("?" if by_state[s] is None else str(by_state[s]) for s in STATES))
    console.print(table)
    console.print(f"stories: {stories['stories']} ({stories['articles']} articles: {stories['copies']} syndicated copies, "
                  f"{stories['copies_without_task']} of them linked without a task of their own; "
                  f"{stories['revisions']} revisions), as of this workspace's last push" if stories["articles"] else
                  "stories: none known here yet (each push learns the project's stories, whichever workspace pushed them)")
    waiting = "? (needs --live)" if report.waiting_for_overlap is None else report.waiting_for_overlap
    console.print(f"self-accepted, not reviewed: {report.self_accepted} tasks (an annotator's accept is no review); "
                  f"waiting for more annotators (overlap): {waiting} tasks")
    if not report.live:
        console.print("in_progress (drafts) needs the server: `curation status --live`")
    people = Table(title="annotators")
    for column in ("annotator", "submitted", "skipped"):
        people.add_column(column, justify="right")
    for who, n in annotators.items():
        people.add_row(who, str(n["submitted"]), str(n["skipped"]))
    console.print(people)


def story_counts(ws: Workspace, project_id: int) -> dict[str, int]:
    """The story registry's counts (curation/stories); an unreadable registry is a WorkspaceError."""
    from curation.stories import registry

    return registry.counts(registry.path_for(ws, project_id))
