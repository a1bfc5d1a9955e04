"""Append-only snapshots of pulled annotations (Parquet, one immutable file per pull).

Nothing pulled is ever lost: each annotation version, and each deletion, is a row
of its own. The local state (the latest version of every annotation) is derived
from the files, so there is no second source of truth to get out of step.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

from curation.workspace import Workspace

SCHEMA = {
    "pull_id": pl.String,
    "event": pl.String,  # created | updated | deleted
    "task_id": pl.Int64,
    "task_updated_at": pl.String,
    "article_id": pl.String,
    "content_hash": pl.String,
    "annotation_id": pl.Int64,
    "completed_by": pl.Int64,
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


def snapshot_dir(ws: Workspace) -> Path:
    return ws.dir / "snapshots"


def read_all(ws: Workspace) -> pl.DataFrame:
    files = sorted(snapshot_dir(ws).glob("pull-*.parquet"))
    if not files:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat([pl.read_parquet(f) for f in files], how="vertical")


def latest(rows: pl.DataFrame) -> pl.DataFrame:
    """The last event of every annotation (deleted ones included, with event == 'deleted')."""
    return rows.group_by("annotation_id", maintain_order=True).last()


def write(ws: Workspace, pull_id: str, rows: list[dict]) -> Path | None:
    """Write one pull's rows atomically; an empty pull writes nothing."""
    if not rows:
        return None
    folder = snapshot_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"pull-{pull_id}.parquet"
    fd, tmp = tempfile.mkstemp(prefix=".pull-", suffix=".parquet.tmp", dir=folder)
    os.close(fd)
    try:
        pl.DataFrame(rows, schema=SCHEMA).write_parquet(tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target
