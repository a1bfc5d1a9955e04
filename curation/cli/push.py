"""`curation push`: articles -> pre-annotated tasks -> the Label Studio project."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from curation import defaults
from curation.cli import options
from curation.cli._app import app, output, progress_bar, usage
from curation.cli.tasks import NearDuplicates, ProblemLog, Threshold, open_stories
from curation.stories.ids import Copies

if TYPE_CHECKING:
    from curation.sync.push import PushReport
    from curation.sync.project import Overlap
    from curation.workspace import Workspace

RESUME = "what was imported before is kept and recorded: run `curation push` again to import the rest"


@dataclass(frozen=True)
class PushOptions:
    """What the command line asked of one push, checked."""

    inputs: list[Path]
    model_version: str | None  # None: no predictions
    preannotator: str | None
    batch_size: int | None
    workers: int
    max_bytes: int
    force: bool
    predictions_only: bool
    full: bool
    dedupe: bool
    as_json: bool
    overlap: Overlap | None
    copies: Copies
    near_duplicates: bool
    threshold: float | None


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
    dedupe: Annotated[bool, typer.Option("--dedupe", help="Delete duplicate tasks of one article text already in the "
                                                          "project, keeping the annotated one (implies --full).")] = False,
    overlap: Annotated[Optional[int], typer.Option(
        help="Annotators per task (Label Studio's maximum_annotations); remembered in the workspace.")] = None,
    overlap_share: Annotated[Optional[int], typer.Option(
        help="Percentage of tasks that get --overlap annotators; the others get one.")] = None,
    copies: Annotated[Copies, typer.Option(
        help="Syndicated copies of a story: link (import the first, show the others on it), skip, or annotate "
             "(import all).")] = Copies.link,
    near_duplicates: NearDuplicates = True,
    threshold: Threshold = None,
    wait: options.Wait = False,
    as_json: options.Json = False,
) -> None:
    """Create or update the Label Studio project and import the articles' tasks (idempotent; safe to re-run)."""
    from curation.cli._failures import server_failures
    from curation.preannotate import get_preannotator
    from curation.server.locking import file_lock
    from curation.team.overlap import checked_overlap
    from curation.workspace import Workspace

    if predictions_only and no_predictions:
        usage("--predictions-only and --no-predictions contradict each other")
    ws = Workspace.from_env(workspace)
    model_version = None if no_predictions else get_preannotator(preannotator).model_version
    wanted = checked_overlap(ws, overlap, overlap_share)  # before anything is sent or saved
    with file_lock(ws.lock_path("push"), wait=wait, what="push in this workspace"), \
            server_failures("the push", RESUME):
        _push(ws, PushOptions(inputs, model_version, None if no_predictions else preannotator, batch_size, workers,
                              max_bytes, force, predictions_only, full or dedupe, dedupe, as_json, wanted, copies,
                              near_duplicates, threshold))


def _push(ws: Workspace, asked: PushOptions) -> None:
    """The push, once this workspace's push lock is held."""
    from curation.pipeline import iter_tasks
    from curation.server import connect, target
    from curation.sync import ledger
    from curation.sync.project import ensure_project, show_predictions
    from curation.sync.push import dedupe as remove_duplicates, push_tasks, refresh_predictions

    client = connect(ws)
    project = ensure_project(client, ws, asked.model_version, force=asked.force, overlap=asked.overlap)
    problems = ProblemLog()
    placing = None
    if asked.near_duplicates and not asked.predictions_only:
        from curation.stories.sync import StoryPush

        placing = StoryPush(open_stories(ws.root, asked.threshold, project.id), asked.copies)
    tasks = iter_tasks(asked.inputs, problems, preannotator=asked.preannotator, workers=asked.workers,
                       max_bytes=asked.max_bytes, stories=placing.stories if placing else None)
    size = asked.batch_size or ws.config().batch_size
    url = f"{target(ws).url}/projects/{project.id}"
    with progress_bar() as progress:
        bar = progress.add_task("predictions" if asked.predictions_only else "imported", total=None)
        advance = partial(progress.advance, bar)
        if asked.predictions_only:
            refreshed = refresh_predictions(client, project.id, tasks, batch_size=size, on_batch=advance)
        else:
            report = push_tasks(client, project.id, tasks, batch_size=size, on_batch=advance,
                                ledger_path=ledger.path_for(ws, project.id), full=asked.full, stories=placing)
            if asked.dedupe:
                report.removed = remove_duplicates(client, report.duplicates)
    if asked.model_version and not show_predictions(client, project.id, asked.model_version):
        typer.echo(f"warning: no task has a {asked.model_version} prediction yet; add them with --predictions-only",
                   err=True)
    left = 0
    if asked.predictions_only:
        payload = {"project_id": project.id, "url": url, "model_version": asked.model_version,
                   "added": refreshed.refreshed, "current": refreshed.current, "not_in_project": refreshed.not_in_project}
        notes = [f"{article_id}: no task with this text in the project; push it first"
                 for article_id in refreshed.not_in_project]
        line = (f"added {refreshed.refreshed} {asked.model_version} predictions, "
                f"{refreshed.current} tasks already had one")
    else:
        found, left = duplicates(report)
        payload = {"project_id": project.id, "url": url, "imported": report.imported, "unchanged": report.unchanged,
                   "superseded": [{"article_id": a, "old_task_id": t} for a, t in report.superseded],
                   "duplicates": found, "removed": report.removed}
        notes = [f"{article_id}: text changed; imported as a new task, old task {old_task} kept"
                 for article_id, old_task in report.superseded] + duplicate_notes(found, report.removed)
        line = f"imported {report.imported} tasks, {report.unchanged} already there"
        payload["stories"] = None
        if placing is not None:
            payload["stories"] = {"linked": len(placing.linked), "skipped": len(placing.skipped),
                                  "copies_imported": placing.copies_imported, "revisions": placing.revisions,
                                  "tasks_showing_copies": placing.announced,
                                  "learnt_from_project": placing.found_in_project, "settled": placing.settled}
            notes += story_notes(placing)
    output(asked.as_json, {**payload, "problems": problems.as_json()}, [f"{line}; project: {url}"], notes)
    if problems.errors or left:
        raise typer.Exit(1)


def story_notes(placing) -> list[str]:  # type: ignore[no-untyped-def]
    """What push did with copies, on stderr beside the near-duplicate warnings."""
    notes = list(placing.settled)
    if placing.found_in_project:
        notes.append(f"{placing.found_in_project} tasks in the project were not in this workspace's story registry "
                     "(pushed from another workspace, or before stories): learnt from the project and detected against")
    if placing.linked:
        notes.append(f"{len(placing.linked)} copies recorded as copies of their story's first article, not imported "
                     f"(--copies link); {len(placing.announced)} tasks show them as \"also published as\"")
    if placing.skipped:
        notes.append(f"{len(placing.skipped)} copies left out (--copies skip)")
    return notes


def duplicates(report: PushReport) -> tuple[list[dict], int]:
    """The project's duplicate tasks as JSON (each with the copies still there), and how many copies are left."""
    found = [{"article_id": dup.key[0], "kept": dup.keep, "left": [t for t in dup.others if t not in report.removed],
              "annotated": list(dup.annotated_others)} for dup in report.duplicates]
    return found, sum(len(dup["left"]) for dup in found)


def duplicate_notes(found: list[dict], removed: list[int]) -> list[str]:
    notes = []
    for dup in found:
        if dup["left"]:
            hint = (f"{', '.join(map(str, dup['annotated']))} annotated too: merge by hand" if dup["annotated"]
                    else "remove with `curation push --dedupe`")
            notes.append(f"{dup['article_id']}: {len(dup['left']) + 1} tasks of one text: {dup['kept']} kept, "
                         f"{', '.join(map(str, dup['left']))} duplicate ({hint})")
    return notes + ([f"removed {len(removed)} duplicate tasks"] if removed else [])
