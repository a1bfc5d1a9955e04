"""`curation pull`: incremental, append-only fetch of annotations from Label Studio.

Only tasks whose `updated_at` moved since the last pull, or whose annotation
counts no longer match what we hold (a deletion does not always touch the task),
are fetched in full. Every pulled region is checked against the task text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl
from label_studio_sdk import LabelStudio

from curation.atomic import write_text_atomic
from curation.sync import snapshots
from curation.tasks import review_from_result
from curation.workspace import Workspace, WorkspaceError

LIGHT_FIELDS = "id,updated_at,total_annotations,cancelled_annotations"


@dataclass
class PullReport:
    pull_id: str
    tasks_checked: int = 0
    tasks_fetched: int = 0
    events: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "deleted": 0})
    offset_errors: list[str] = field(default_factory=list)
    set_aside: list[Path] = field(default_factory=list)  # damaged snapshot files renamed by a full pull


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def regions(result: list[dict]) -> dict[str, dict]:
    """Region id -> its labelled span and per-region choices (the attributes), keyed by control name."""
    found: dict[str, dict] = {}
    for item in result:
        if "id" in item and item.get("type") in ("labels", "choices"):
            found.setdefault(item["id"], {})[item.get("from_name")] = item.get("value")
    return {rid: parts for rid, parts in found.items() if "label" in parts}


def region_changes(result: list[dict], predicted: list[dict]) -> tuple[int, int, int, int]:
    """(kept, edited, deleted, added) regions of an annotation relative to its task's prediction; a region whose
    span, label or any attribute changed counts as edited."""
    ours, theirs = regions(result), regions(predicted)
    kept = sum(1 for rid, v in ours.items() if rid in theirs and theirs[rid] == v)
    edited = sum(1 for rid, v in ours.items() if rid in theirs and theirs[rid] != v)
    return kept, edited, len(theirs.keys() - ours.keys()), len(ours.keys() - theirs.keys())


def offset_errors(text: str, task_id: int, annotation_id: int, result: list[dict]) -> list[str]:
    errors = []
    for region in result:
        value = region.get("value") or {}
        if "start" in value and "text" in value and text[value["start"]:value["end"]] != value["text"]:
            errors.append(f"task {task_id} annotation {annotation_id} region {region.get('id')}: "
                          f"text[{value['start']}:{value['end']}] is {text[value['start']:value['end']]!r}, "
                          f"not {value['text']!r}")
    return errors


def user_id(user: Any) -> int | None:
    """`completed_by` is an id in some responses and a user object in others."""
    return user.get("id") if isinstance(user, dict) else user


def since_query(watermarks: dict[int, str]) -> str:
    """A Data Manager filter for tasks updated since the last pull; the window opens a second early
    (re-fetching a task is harmless, missing one is not)."""
    latest = datetime.fromisoformat(max(watermarks.values()).replace("Z", "+00:00")).astimezone(timezone.utc)
    since = (latest - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # the only format the filter parses
    item = {"filter": "filter:tasks:updated_at", "operator": "greater", "type": "Datetime", "value": since}
    return json.dumps({"filters": {"conjunction": "and", "items": [item]}})


def totals_match(client: LabelStudio, project_id: int, tasks: int, cancelled: dict[int, bool]) -> bool:
    """Whether the project's task, annotation and skipped totals equal ours after this pull."""
    project = client.projects.get(id=project_id)
    skipped = sum(cancelled.values())
    return (project.task_number, project.total_annotations_number, project.skipped_annotations_number) == (
        tasks, len(cancelled) - skipped, skipped)


def pull(client: LabelStudio, ws: Workspace, project_id: int, *, full: bool = False,
         on_task: Callable[[PullReport], None] = lambda report: None) -> PullReport:
    """One pull. Only tasks updated since the last pull are listed, unless this is the first pull, `full`
    is set, or the project's totals then differ from ours (a deletion does not always touch its task):
    then every task is compared. `on_task` sees the report after every task listed or fetched (progress)."""
    pull_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    report = PullReport(pull_id)
    if full:  # snapshot files that cannot be read are set aside and their annotations fetched again
        report.set_aside = snapshots.set_aside_damaged(ws, project_id)
    live = snapshots.live(ws, project_id)
    try:
        seen = read_watermarks(ws, project_id)
    except WorkspaceError:
        if not full:
            raise
        seen = {}  # every annotated task is fetched; the file is written anew at the end
    live_counts = dict(live.group_by("task_id").len().iter_rows())
    watermarks = dict(seen)

    def scan(query: str | None) -> list[int]:
        changed = []
        for task in client.tasks.list(project=project_id, include=LIGHT_FIELDS, page_size=1000, query=query):
            report.tasks_checked += 1
            on_task(report)
            updated = _iso(task.updated_at)
            total = (task.total_annotations or 0) + (task.cancelled_annotations or 0)
            held = live_counts.get(task.id, 0)
            if total != held or (total and updated > seen.get(task.id, "")):  # nothing to fetch of a bare task
                changed.append(task.id)
            watermarks[task.id] = updated
        return changed

    incremental = bool(seen) and not full
    known = Known(live)
    rows, copies = collect(client, project_id, scan(since_query(seen) if incremental else None), known, pull_id, report,
                           on_task)
    if incremental:
        cancelled = dict(live.select("annotation_id", "was_cancelled").iter_rows())
        for row in rows:
            if row["event"] == "deleted":
                cancelled.pop(row["annotation_id"], None)
            else:
                cancelled[row["annotation_id"]] = row["was_cancelled"]
        if not totals_match(client, project_id, len(watermarks), cancelled):
            fetched = {row["task_id"] for row in rows}
            watermarks = {}  # rebuilt by the full listing, dropping tasks removed from the project
            rest = [t for t in scan(None) if t not in fetched]
            more_rows, more_copies = collect(client, project_id, rest, known, pull_id, report, on_task)
            rows, copies = rows + more_rows, copies + more_copies
    for row in rows:
        report.events[row["event"]] += 1
    snapshots.write(ws, project_id, pull_id, rows, copies)
    write_watermarks(ws, project_id, watermarks)  # after the snapshot: a crash in between only re-fetches
    return report


@dataclass
class Known:
    """What the snapshots already hold, indexed once per pull."""

    live: pl.DataFrame
    versions: set[tuple[int, str]] = field(init=False)
    annotations: set[int] = field(init=False)

    def __post_init__(self) -> None:
        self.versions = set(self.live.select("annotation_id", "updated_at").iter_rows())
        self.annotations = set(self.live["annotation_id"].to_list())


def task_copy(task: Any, pull_id: str, predicted: dict) -> dict:
    """The task row export reads text, metadata and prediction provenance from."""
    data = task.data or {}
    return {"pull_id": pull_id, "task_id": task.id, "task_updated_at": _iso(task.updated_at),
            "article_id": data.get("article_id"), "content_hash": data.get("content_hash"),
            "data": json.dumps(data, ensure_ascii=False), "model_version": predicted.get("model_version"),
            "prediction": json.dumps(predicted.get("result") or [], ensure_ascii=False)}


def collect(
    client: LabelStudio, project_id: int, task_ids: list[int], known: Known, pull_id: str, report: PullReport,
    on_task: Callable[[PullReport], None],
) -> tuple[list[dict], list[dict]]:
    """Snapshot rows for the new or changed annotations and the deletions of `task_ids`, and a copy of
    each task that has such rows."""
    live, rows, copies = known.live, [], []
    for task in fetch_tasks(client, project_id, task_ids):
        task_id = task.id
        report.tasks_fetched += 1
        on_task(report)
        data = task.data or {}
        predicted = (task.predictions or [{}])[0]
        predicted = predicted if isinstance(predicted, dict) else predicted.dict()
        predicted_result = predicted.get("result") or []
        rows_before = len(rows)
        on_server = set()
        for ann in task.annotations or []:
            ann = ann if isinstance(ann, dict) else ann.dict()
            on_server.add(ann["id"])
            updated_at = _iso(ann.get("updated_at"))
            if (ann["id"], updated_at) in known.versions:
                continue
            result = ann.get("result") or []
            errors = offset_errors(data.get("text", ""), task_id, ann["id"], result)
            report.offset_errors += errors
            kept, edited, deleted, added = region_changes(result, predicted_result)
            event = "updated" if ann["id"] in known.annotations else "created"
            rows.append({
                "pull_id": pull_id, "event": event, "task_id": task_id, "task_updated_at": _iso(task.updated_at),
                "article_id": data.get("article_id"), "content_hash": data.get("content_hash"),
                "annotation_id": ann["id"], "completed_by": user_id(ann.get("completed_by")),
                "updated_by": user_id(ann.get("updated_by")),
                "was_cancelled": bool(ann.get("was_cancelled")), "ground_truth": bool(ann.get("ground_truth")),
                "lead_time": ann.get("lead_time"), "created_at": _iso(ann.get("created_at")), "updated_at": updated_at,
                "review": review_from_result(result).decision, "result": json.dumps(result, ensure_ascii=False),
                "regions_kept": kept, "regions_edited": edited, "regions_deleted": deleted, "regions_added": added,
                "offset_errors": len(errors),
            })
        for gone in live.filter((pl.col("task_id") == task_id) & ~pl.col("annotation_id").is_in(list(on_server))).iter_rows(named=True):
            rows.append({**gone, "pull_id": pull_id, "event": "deleted", "task_updated_at": _iso(task.updated_at)})
        if len(rows) > rows_before:
            copies.append(task_copy(task, pull_id, predicted))
    return rows, copies


def fetch_tasks(client: LabelStudio, project_id: int, ids: list[int], chunk: int = 500) -> Iterator[Any]:
    """Full tasks (annotations, predictions) for `ids`, a page of `chunk` per request rather than one GET each."""
    for start in range(0, len(ids), chunk):
        query = json.dumps({"selectedItems": {"all": False, "included": ids[start:start + chunk]}})
        yield from client.tasks.list(project=project_id, fields="all", query=query, page_size=chunk)


def watermark_path(ws: Workspace, project_id: int) -> Path:
    return ws.dir / f"pull-state-{project_id}.json"


def read_watermarks(ws: Workspace, project_id: int) -> dict[int, str]:
    """Task id -> its `updated_at` at the last pull ({} before the first). A damaged file is named: `pull --full`
    does without it and writes it anew."""
    path = watermark_path(ws, project_id)
    if not path.is_file():
        return {}
    try:
        marks = {int(k): str(v) for k, v in json.loads(path.read_bytes()).items()}
        for mark in marks.values():
            datetime.fromisoformat(mark.replace("Z", "+00:00"))
        return marks
    except (OSError, ValueError, TypeError, AttributeError):
        raise WorkspaceError(f"{path}: not the state of a pull (damaged?); run `curation pull --full` to rebuild it"
                             ) from None


def write_watermarks(ws: Workspace, project_id: int, marks: dict[int, str]) -> None:
    write_text_atomic(watermark_path(ws, project_id), json.dumps(marks))
