"""Append-only snapshots of pulled annotations (Parquet, one immutable file per pull).

Nothing pulled is ever lost: each annotation version, and each deletion, is a row
of its own. The local state (the latest version of every annotation) is derived
from the files, so there is no second source of truth to get out of step.

Each version is stored once whatever runs at the same time: `write` takes the
project's snapshot lock and drops the rows the files already hold (same annotation
id and `updated_at`, or a deletion already recorded). A file that cannot be read
is named with how to recover: `curation pull --full` moves it aside and fetches
the current annotations again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from curation.server.locking import file_lock
from curation.workspace import Workspace, WorkspaceError

DAMAGED = ".damaged"

SCHEMA = {
    "pull_id": pl.String,
    "event": pl.String,  # created | updated | deleted
    "task_id": pl.Int64,
    "task_updated_at": pl.String,
    "article_id": pl.String,
    "content_hash": pl.String,
    "annotation_id": pl.Int64,
    "completed_by": pl.Int64,
    "updated_by": pl.Int64,  # who last saved it (set by Label Studio from the request): the review rule's evidence
    "was_cancelled": pl.Boolean,
    "ground_truth": pl.Boolean,
    "lead_time": pl.Float64,
    "created_at": pl.String,
    "updated_at": pl.String,
    "review": pl.String,
    "result": pl.String,  # Label Studio result list as JSON
    "regions_kept": pl.Int64,
    "regions_edited": pl.Int64,
    "regions_deleted": pl.Int64,
    "regions_added": pl.Int64,
    "offset_errors": pl.Int64,
}


TASK_SCHEMA = {
    "pull_id": pl.String,
    "task_id": pl.Int64,
    "task_updated_at": pl.String,
    "article_id": pl.String,
    "content_hash": pl.String,
    "data": pl.String,  # the task's `data` as JSON: text and article metadata
    "model_version": pl.String,  # of the task's prediction, if any
    "prediction": pl.String,  # that prediction's result list as JSON ("[]" if none)
}


def snapshot_dir(ws: Workspace, project_id: int) -> Path:
    """One folder per Label Studio project: a workspace that switches projects never mixes their annotations."""
    return ws.dir / "snapshots" / f"project-{project_id}"


def current_project(ws: Workspace) -> int:
    """The workspace's project, whose snapshots export and the quality commands read."""
    project_id = ws.config().project_id
    if project_id is None:
        raise WorkspaceError(f"{ws.config_path}: no project yet: run `curation push`, then `curation pull`")
    return project_id


class DamagedSnapshot(WorkspaceError):
    """A snapshot file that cannot be read; the message names it and says how to recover."""


def _damaged(path: Path, why: str) -> DamagedSnapshot:
    return DamagedSnapshot(f"{path}: {why}; run `curation pull --full` to move it aside and fetch the current "
                           "annotations again")


def unreadable(path: Path, exc: Exception) -> DamagedSnapshot:
    """The error for a snapshot file whose reading failed with `exc` (its footer, or a damaged page found later)."""
    return _damaged(path, f"not a readable snapshot ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")


def _checked(path: Path, schema: dict) -> Path:
    """`path`, if its footer reads and its columns are the snapshot's (older files may lack newer columns)."""
    try:
        found = pl.read_parquet_schema(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(path, exc) from None
    if any(name not in schema or dtype != schema[name] for name, dtype in found.items()):
        raise _damaged(path, "its columns are not those of a snapshot")
    return path


def _read_file(path: Path, schema: dict) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(_checked(path, schema))
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(path, exc) from None
    # files from before a column was added lack it: null there
    return frame.with_columns(pl.lit(None, schema[c]).alias(c) for c in schema if c not in frame.columns).select(list(schema))


def _files(ws: Workspace, project_id: int, prefix: str) -> list[Path]:
    return sorted(snapshot_dir(ws, project_id).glob(f"{prefix}-*.parquet"))


def files(ws: Workspace, project_id: int, prefix: str) -> list[Path]:
    """The `pull` or `tasks` snapshot files, oldest pull first, each checked (footer and columns, which is cheap)
    for readers that scan them themselves."""
    schema = SCHEMA if prefix == "pull" else TASK_SCHEMA
    return [_checked(path, schema) for path in _files(ws, project_id, prefix)]


def _read(ws: Workspace, project_id: int, prefix: str, schema: dict) -> pl.DataFrame:
    files = _files(ws, project_id, prefix)
    if not files:
        return pl.DataFrame(schema=schema)
    return pl.concat([_read_file(f, schema) for f in files], how="vertical")


def set_aside_damaged(ws: Workspace, project_id: int) -> list[Path]:
    """Rename every snapshot file that cannot be read, and the other file of its pull (a pull's rows and task
    copies go together), to `*.damaged`: kept, never read again. `pull --full` then fetches those annotations
    again from the server. Returns the new names."""
    damaged = set()
    for prefix, schema in (("pull", SCHEMA), ("tasks", TASK_SCHEMA)):
        for path in _files(ws, project_id, prefix):
            try:
                _read_file(path, schema)
            except DamagedSnapshot:
                damaged.add(path.name.split("-", 1)[1])  # "<pull id>.parquet", shared by its two files
    folder = snapshot_dir(ws, project_id)
    return [path.rename(path.with_name(path.name + DAMAGED)) for name in sorted(damaged)
            for path in (folder / f"pull-{name}", folder / f"tasks-{name}") if path.exists()]


def read_all(ws: Workspace, project_id: int) -> pl.DataFrame:
    """Every annotation event ever pulled, oldest pull first."""
    return _read(ws, project_id, "pull", SCHEMA)


def read_tasks(ws: Workspace, project_id: int) -> pl.DataFrame:
    """The latest pulled copy of every task that was fetched (text, metadata, prediction)."""
    return _read(ws, project_id, "tasks", TASK_SCHEMA).group_by("task_id", maintain_order=True).last()


def latest(rows: pl.DataFrame) -> pl.DataFrame:
    """The last event of every annotation (deleted ones included, with event == 'deleted')."""
    return rows.group_by("annotation_id", maintain_order=True).last()


def live(ws: Workspace, project_id: int) -> pl.DataFrame:
    """The latest version of every annotation that has not been deleted."""
    return latest(read_all(ws, project_id)).filter(pl.col("event") != "deleted")


def unseen(stored: pl.DataFrame, rows: list[dict]) -> list[dict]:
    """The rows `stored` does not hold yet: a version not stored (annotation id, updated_at), a deletion of an
    annotation not already deleted. Each at most once."""
    versions = set(stored.filter(pl.col("event") != "deleted").select("annotation_id", "updated_at").iter_rows())
    gone = set(latest(stored).filter(pl.col("event") == "deleted")["annotation_id"])
    fresh = []
    for row in rows:
        if row["event"] == "deleted":
            held, key = gone, row["annotation_id"]
        else:
            held, key = versions, (row["annotation_id"], row["updated_at"])
        if key not in held:
            held.add(key)
            fresh.append(row)
    return fresh


def write(ws: Workspace, project_id: int, pull_id: str, rows: list[dict], tasks: Sequence[dict] = ()) -> Path | None:
    """Write one pull's new rows and their tasks' copies, each file atomically; a pull with nothing new writes
    nothing. Tasks go first so that every annotation row has its task's copy: a crash in between leaves
    only task copies, and the next pull re-fetches those tasks (the watermarks were not moved)."""
    folder = snapshot_dir(ws, project_id)
    with file_lock(ws.lock_path(f"snapshots-{project_id}"), what="pull writing these snapshots"):
        rows = unseen(read_all(ws, project_id), rows)
        if not rows:
            return None
        fetched = {row["task_id"] for row in rows}
        if copies := [t for t in tasks if t["task_id"] in fetched]:
            _write(folder / f"tasks-{pull_id}.parquet", pl.DataFrame(copies, schema=TASK_SCHEMA))
        return _write(folder / f"pull-{pull_id}.parquet", pl.DataFrame(rows, schema=SCHEMA))


def _write(target: Path, frame: pl.DataFrame) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target
