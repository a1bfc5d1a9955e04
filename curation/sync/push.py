"""`curation push`: import tasks into Label Studio, idempotently and crash-safely.

Idempotent by (article_id, content_hash): what the project already holds is read
first and skipped. A changed article (same id, new hash) becomes a new task; the
old task is reported, never deleted. Batches are POSTed with retries off — the
SDK retries POSTs by default, which could import a batch twice — so a failed or
killed push is repaired by running it again: the reconciliation imports exactly
what is missing. What the project holds comes from the local push ledger when its
count matches the project's, else from listing the project (see `ledger`).

`refresh_predictions` (`push --predictions-only`) adds a new pre-annotator's
predictions to the tasks already there; older predictions and every annotation stay.
"""

from __future__ import annotations

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


@dataclass
class PushReport:
    imported: int = 0
    unchanged: int = 0
    superseded: list[tuple[str, int]] = field(default_factory=list)  # (article_id, old task id)
    listed: bool = False  # whether the project had to be listed (the ledger could not be trusted)


def project_tasks(client: LabelStudio, project_id: int) -> dict[ledger.Key, int]:
    """(article_id, content_hash) -> task id of every task curation pushed to the project.

    Read from the task `meta`, not `data`: listing 10,000 tasks' text takes ~15 s, their meta ~1 s.
    """
    return {key: task.id for key, task in _listing(client, project_id, "id,meta")}


def _listing(client: LabelStudio, project_id: int, include: str) -> Iterator[tuple[ledger.Key, Any]]:
    for task in client.tasks.list(project=project_id, include=include, page_size=1000):
        meta = task.meta or {}
        if "article_id" in meta:
            yield (meta["article_id"], meta.get("content_hash", "")), task


def held_tasks(client: LabelStudio, project_id: int, ledger_path: Path | None, *, full: bool = False
               ) -> tuple[dict[ledger.Key, int], bool]:
    """What the project holds, and whether it had to be listed: the ledger is trusted only when the
    project's task count equals the ledger's."""
    if ledger_path is not None and not full:
        recorded = ledger.read(ledger_path)
        if recorded and client.projects.get(id=project_id).task_number == len(recorded):
            return recorded, False
    held = project_tasks(client, project_id)
    if ledger_path is not None:
        ledger.rewrite(ledger_path, held)
    return held, True


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
    copies are imported, linked or skipped as it says, and every member is recorded in its registry."""
    held, listed = held_tasks(client, project_id, ledger_path, full=full)
    by_article = {aid: tid for (aid, _), tid in held.items()}
    report = PushReport(listed=listed)
    seen: set[tuple[str, str]] = set()

    def missing() -> Iterator[Task]:
        for task in tasks:
            key = (task.meta.article_id, task.meta.content_hash)
            if key in held or key in seen:
                report.unchanged += 1
                if stories is not None:
                    stories.held(task, held.get(key))
                continue
            if stories is not None and not stories.admit(task):
                continue
            seen.add(key)
            if task.meta.article_id in by_article:
                report.superseded.append((task.meta.article_id, by_article[task.meta.article_id]))
            yield task

    for batch in batches(missing(), batch_size):
        response = client.projects.import_tasks(
            id=project_id,
            request=[t.model_dump(mode="json") for t in batch],
            commit_to_project=True,
            return_task_ids=True,
            request_options=NO_RETRIES,
        )
        ids = (response.model_extra or {}).get("task_ids") or []
        if ledger_path is not None:
            ledger.append(ledger_path, zip([(t.meta.article_id, t.meta.content_hash) for t in batch], ids))
        if stories is not None:
            stories.imported(batch, ids)
        report.imported += len(batch)
        on_batch(len(batch))
    if stories is not None:
        stories.finish(client)
    return report


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
