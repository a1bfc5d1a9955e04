"""Append-only snapshots of pulled annotations (Parquet, one immutable file per pull).

Nothing pulled is ever lost: each annotation version, and each deletion, is a row
of its own. The local state (the latest version of every annotation) is derived
from the files, so there is no second source of truth to get out of step.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from curation.workspace import Workspace, WorkspaceError

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


def _read(ws: Workspace, project_id: int, prefix: str, schema: dict) -> pl.DataFrame:
    files = sorted(snapshot_dir(ws, project_id).glob(f"{prefix}-*.parquet"))
    if not files:
        return pl.DataFrame(schema=schema)
    frames = [pl.read_parquet(f) for f in files]  # files from before a column was added lack it: null there
    return pl.concat([f.with_columns(pl.lit(None, schema[c]).alias(c) for c in schema if c not in f.columns).select(list(schema))
                      for f in frames], how="vertical")


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


def write(ws: Workspace, project_id: int, pull_id: str, rows: list[dict], tasks: Sequence[dict] = ()) -> Path | None:
    """Write one pull's task copies, then its annotation rows, each file atomically; an empty pull writes
    nothing. Tasks go first so that every annotation row has its task's copy: a crash in between leaves
    only task copies, and the next pull re-fetches those tasks (the watermarks were not moved)."""
    if not rows:
        return None
    if tasks:
        _write(snapshot_dir(ws, project_id) / f"tasks-{pull_id}.parquet", pl.DataFrame(list(tasks), schema=TASK_SCHEMA))
    return _write(snapshot_dir(ws, project_id) / f"pull-{pull_id}.parquet", pl.DataFrame(rows, schema=SCHEMA))


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
