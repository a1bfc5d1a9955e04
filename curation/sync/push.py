"""`curation push`: import tasks into Label Studio, idempotently and crash-safely.

Idempotent by (article_id, content_hash): what the project already holds is read
first and skipped. A changed article (same id, new hash) becomes a new task; the
old task is reported, never deleted. Batches are POSTed with retries off — the
SDK retries POSTs by default, which could import a batch twice — so a failed or
killed push is repaired by running it again: the reconciliation imports exactly
what is missing.

What the project holds comes from the local push ledger when a cheap check agrees
with the server (task count, newest task: `ledger_agrees`), else from listing the project. The ledger
is only a cache: right before each batch is imported, the project is asked which
of the batch's articles it already has (one filtered request), so a stale or
tampered ledger never makes a duplicate; right after, it is asked again, and a
task another push (another workspace on the same project) imported in between is
resolved by keeping the oldest (`_settle`). Duplicates made otherwise (by an older
version, or a push killed between its import and that second check) are found
whenever the project is listed, and `dedupe` removes the unannotated copies.

`refresh_predictions` (`push --predictions-only`) adds a new pre-annotator's
predictions to the tasks already there; older predictions and every annotation stay.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from label_studio_sdk import LabelStudio

from curation.sync import ledger
from curation.tasks import Task

if TYPE_CHECKING:
    from curation.stories.sync import StoryPush

NO_RETRIES = {"max_retries": 0}
T = TypeVar("T")


@dataclass(frozen=True)
class Duplicate:
    """Several tasks of one (article_id, content_hash): `keep` has the most annotations (else the lowest id)."""

    key: ledger.Key
    keep: int
    others: tuple[int, ...]
    annotated_others: tuple[int, ...]  # of `others`, those with annotations: never removed automatically


@dataclass
class PushReport:
    imported: int = 0
    unchanged: int = 0
    superseded: list[tuple[str, int]] = field(default_factory=list)  # (article_id, old task id)
    listed: bool = False  # whether the project had to be listed (the ledger could not be trusted)
    already_on_server: int = 0  # missing from what push knew, found by the check right before the import
    duplicates: list[Duplicate] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # duplicate task ids deleted (`dedupe`)


@dataclass(frozen=True)
class Listed:
    key: ledger.Key
    task_id: int
    annotations: int  # submitted and skipped


@dataclass(frozen=True)
class Holdings:
    """What the project holds: one task per key (the one to keep), and the keys held more than once."""

    tasks: dict[ledger.Key, int]
    duplicates: list[Duplicate]


def _listing(client: LabelStudio, project_id: int, include: str, query: str | None = None) -> Iterator[tuple[ledger.Key, Any]]:
    for task in client.tasks.list(project=project_id, include=include, page_size=1000, query=query):
        meta = task.meta or {}
        if "article_id" in meta:
            yield (meta["article_id"], meta.get("content_hash", "")), task


def holdings(listed: Iterable[Listed]) -> Holdings:
    """Group a listing by key; of several tasks of one key keep the most annotated, then the oldest."""
    by_key: dict[ledger.Key, list[Listed]] = {}
    for item in listed:
        by_key.setdefault(item.key, []).append(item)
    tasks, duplicates = {}, []
    for key, items in by_key.items():
        keep, *others = sorted(items, key=lambda i: (-i.annotations, i.task_id))
        tasks[key] = keep.task_id
        if others:
            duplicates.append(Duplicate(key, keep.task_id, tuple(o.task_id for o in others),
                                        tuple(o.task_id for o in others if o.annotations)))
    return Holdings(tasks, sorted(duplicates, key=lambda d: d.keep))


def list_project(client: LabelStudio, project_id: int) -> Holdings:
    """Every task curation pushed to the project, from the task `meta`, not `data`: listing 10,000 tasks' text
    takes ~15 s, their meta ~1 s."""
    return holdings(
        Listed(key, task.id, (task.total_annotations or 0) + (task.cancelled_annotations or 0))
        for key, task in _listing(client, project_id, "id,meta,total_annotations,cancelled_annotations"))


def project_tasks(client: LabelStudio, project_id: int) -> dict[ledger.Key, int]:
    """(article_id, content_hash) -> task id of every task curation pushed to the project (one per key)."""
    return list_project(client, project_id).tasks


def ledger_agrees(client: LabelStudio, project_id: int, recorded: dict[ledger.Key, int]) -> bool:
    """Whether the ledger may stand for the project: the same task count and no task newer than the ledger's
    newest — two small requests instead of a listing. A ledger that passes but is wrong in its keys (edited by
    hand) makes no duplicate: each batch is checked on the server before it is imported. (A random sample of
    entries checked as well cost a 2,000-task re-push ~3.5x its time: the Data Manager's id-list filter is slow.)"""
    if not recorded or client.projects.get(id=project_id).task_number != len(recorded):
        return False
    newest = max(recorded.values())
    newer = {"filter": "filter:tasks:id", "operator": "greater", "type": "Number", "value": newest}
    query = json.dumps({"filters": {"conjunction": "and", "items": [newer]}})
    return next(iter(client.tasks.list(project=project_id, include="id", page_size=1, query=query)), None) is None


def held_tasks(client: LabelStudio, project_id: int, ledger_path: Path | None, *, full: bool = False
               ) -> tuple[Holdings, bool]:
    """What the project holds, and whether it had to be listed (no ledger, `full`, or the ledger disagrees)."""
    if ledger_path is not None and not full:
        recorded = ledger.read(ledger_path)
        if ledger_agrees(client, project_id, recorded):
            return Holdings(recorded, []), False
    held = list_project(client, project_id)
    if ledger_path is not None:
        ledger.rewrite(ledger_path, held.tasks)
    return held, True


def on_server(client: LabelStudio, project_id: int, article_ids: Iterable[str]) -> dict[ledger.Key, list[int]]:
    """(article_id, content_hash) -> task ids, oldest first, of the project's tasks of these articles: one
    filtered request (a Data Manager filter on `data.article_id`)."""
    item = {"filter": "filter:tasks:data.article_id", "operator": "in_list", "type": "String",
            "value": sorted(set(article_ids))}
    query = json.dumps({"filters": {"conjunction": "and", "items": [item]}})
    found: dict[ledger.Key, list[int]] = {}
    for key, task in _listing(client, project_id, "id,meta", query):
        found.setdefault(key, []).append(task.id)
    return {key: sorted(ids) for key, ids in found.items()}


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def push_tasks(
    client: LabelStudio,
    project_id: int,
    tasks: Iterable[Task],
    *,
    batch_size: int = 500,
    on_batch: Callable[[int], None] = lambda n: None,
    ledger_path: Path | None = None,
    full: bool = False,
    stories: StoryPush | None = None,
) -> PushReport:
    """Import the tasks the project does not hold yet. With `ledger_path`, record what was imported
    and skip listing the project when the ledger agrees with it; `full` lists it anyway. With `stories`,
    articles are placed against every task of the project, copies are imported, linked or skipped as it says, a
    story another push started at the same moment is settled, and every member is recorded in its registry."""
    held, listed = held_tasks(client, project_id, ledger_path, full=full)
    report = PushReport(listed=listed, duplicates=held.duplicates)
    if stories is not None:  # before anything is placed: stories are detected against the whole project
        stories.catch_up(client, project_id, held.tasks)
    known = held.tasks
    by_article = {aid: tid for (aid, _), tid in known.items()}
    seen: set[ledger.Key] = set()

    def missing() -> Iterator[Task]:
        for task in tasks:
            key = (task.meta.article_id, task.meta.content_hash)
            if key in known or key in seen:
                report.unchanged += 1
                if stories is not None:
                    stories.held(task, known.get(key))
                continue
            if stories is not None and not stories.admit(task):
                continue
            seen.add(key)
            yield task

    for batch in batches(missing(), batch_size):
        fresh = _not_on_server(client, project_id, batch, report, by_article, ledger_path, stories)
        if fresh:
            ours = _import(client, project_id, fresh)
            kept = _settle(client, project_id, ours, report)
            if stories is not None:  # a task that turned out to be a copy of another push's story is removed
                removed = stories.imported(client, project_id, fresh, ours, kept)
                report.imported -= len(removed)
                kept = {key: task_id for key, task_id in kept.items() if key not in removed}
            if ledger_path is not None:
                ledger.append(ledger_path, kept.items())
        on_batch(len(batch))
    if stories is not None:
        stories.finish(client)
    if report.already_on_server and not listed and ledger_path is not None:  # the ledger was wrong: mend it
        held = list_project(client, project_id)
        ledger.rewrite(ledger_path, held.tasks)
        report.listed, report.duplicates = True, held.duplicates
    return report


def _not_on_server(client: LabelStudio, project_id: int, batch: list[Task], report: PushReport,
                   by_article: dict[str, int], ledger_path: Path | None, stories: StoryPush | None = None) -> list[Task]:
    """The tasks of `batch` the project does not have, asked of the server right before their import. The ones
    it has are recorded in the ledger and counted as unchanged; an older text of an article is reported."""
    found = on_server(client, project_id, (t.meta.article_id for t in batch))
    older: dict[str, int] = {}  # article id -> its oldest task of any text
    for (aid, _), ids in found.items():
        older[aid] = min(ids[0], older.get(aid, ids[0]))
    fresh, there = [], []
    for task in batch:
        key = (task.meta.article_id, task.meta.content_hash)
        if key in found:
            there.append((key, found[key][0]))
            if stories is not None:
                stories.held(task, found[key][0])
            continue
        if (old := by_article.get(key[0], older.get(key[0]))) is not None:
            report.superseded.append((key[0], old))
        fresh.append(task)
    if there:
        report.already_on_server += len(there)
        report.unchanged += len(there)
        if ledger_path is not None:
            ledger.append(ledger_path, there)
    return fresh


def _import(client: LabelStudio, project_id: int, batch: list[Task]) -> dict[ledger.Key, int]:
    """POST one batch (no retries: a retried POST could import it twice); the task id of each key."""
    response = client.projects.import_tasks(
        id=project_id,
        request=[t.model_dump(mode="json") for t in batch],
        commit_to_project=True,
        return_task_ids=True,
        request_options=NO_RETRIES,
    )
    ids = (response.model_extra or {}).get("task_ids") or []
    return dict(zip([(t.meta.article_id, t.meta.content_hash) for t in batch], ids))


def _settle(client: LabelStudio, project_id: int, imported: dict[ledger.Key, int], report: PushReport
            ) -> dict[ledger.Key, int]:
    """Ask the server again about the articles just imported: where another push (another workspace on the same
    project) imported one too between our check and our import, the oldest task stays and ours, newer and not
    annotated yet, is deleted. Both pushes apply the same rule, so one task remains. Returns the task kept per key."""
    report.imported += len(imported)
    found = on_server(client, project_id, (aid for aid, _ in imported))
    kept = {}
    for key, task_id in imported.items():
        oldest = found.get(key, [task_id])[0]
        if oldest != task_id:
            client.tasks.delete(id=task_id, request_options=NO_RETRIES)
            report.imported -= 1
            report.already_on_server += 1
            report.unchanged += 1
        kept[key] = oldest
    return kept


def dedupe(client: LabelStudio, duplicates: Iterable[Duplicate]) -> list[int]:
    """Delete the unannotated extra tasks of each duplicate; annotated extras are left for a person to merge."""
    removed = []
    for dup in duplicates:
        for task_id in dup.others:
            if task_id not in dup.annotated_others:
                client.tasks.delete(id=task_id, request_options=NO_RETRIES)
                removed.append(task_id)
    return removed


@dataclass
class PredictionsReport:
    refreshed: int = 0
    current: int = 0  # already had a prediction of this model version
    not_in_project: list[str] = field(default_factory=list)  # article ids with no task of this text


def refresh_predictions(
    client: LabelStudio,
    project_id: int,
    tasks: Iterable[Task],
    *,
    batch_size: int = 500,
    on_batch: Callable[[int], None] = lambda n: None,
) -> PredictionsReport:
    """Add each task's prediction to the project's task of the same (article_id, content_hash), unless
    that task already has a prediction of the same model version (so a re-run adds nothing)."""
    held: dict[ledger.Key, tuple[int, set[str]]] = {
        key: (task.id, {v.strip() for v in str(task.predictions_model_versions or "").split(",") if v.strip()})
        for key, task in _listing(client, project_id, "id,meta,predictions_model_versions")
    }
    report = PredictionsReport()

    def wanted() -> Iterator[dict]:
        for task in tasks:
            key = (task.meta.article_id, task.meta.content_hash)
            if key not in held:
                report.not_in_project.append(task.meta.article_id)
                continue
            task_id, versions = held[key]
            for prediction in task.predictions:
                if prediction.model_version in versions:
                    report.current += 1
                else:
                    yield {"task": task_id, **prediction.model_dump(mode="json")}

    for batch in batches(wanted(), batch_size):
        client.projects.import_predictions(id=project_id, request=batch, request_options=NO_RETRIES)
        report.refreshed += len(batch)
        on_batch(len(batch))
    return report
