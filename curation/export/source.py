"""Pulled snapshots -> the reviewed articles of a dataset, parsed into Documents.

Every span is checked against the text (`text[start:end] == span.text`) before
anything is exported (parse.py; `curation.tasks.document_from_result` explains any
invalid result).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import polars as pl

from curation.export.features import SPLITS
from curation.export.parse import RelationRow, SpanRow, read_result
from curation.export.pseudonyms import pseudonym
from curation.export.select import Selection, select
from curation.export.splits import split_of
from curation.models import Article
from curation.sync import snapshots
from curation.team.roster import review_rule
from curation.workspace import Workspace


@dataclass(frozen=True)
class Record:
    """One article of a dataset: its final annotation's spans and relations, with provenance and split."""

    article: Article
    spans: list[SpanRow]  # sorted by start, end, id
    relations: list[RelationRow]  # sorted by from, to, type
    model_version: str | None
    task_id: int
    annotation_id: int
    annotator: str
    schema_version: int
    split: str


def article_from_task(task_id: int, data: dict[str, Any]) -> Article:
    """The Article a task was made from, out of its `data` (missing metadata is "" or null there)."""
    fields = {key: data.get(key) or None for key in ("title", "byline", "published", "url", "publisher")}
    return Article(article_id=data["article_id"], content_hash=data["content_hash"], text=data["text"],
                   source_path=f"label-studio task {task_id}", **fields)


def reviewed(ws: Workspace, ratios: tuple[float, ...]) -> tuple[Selection, pl.DataFrame]:
    """The selection (with its counts) and its chosen annotations joined to their tasks, with a `split`
    column, sorted by split, then article id: the order rows are written in."""
    project_id = snapshots.current_project(ws)
    selection = select(snapshots.live(ws, project_id), review_rule(ws))
    tasks = snapshots.read_tasks(ws, project_id).select("task_id", "data", "model_version")
    chosen = selection.chosen.select("article_id", "task_id", "annotation_id", "completed_by", "result")
    chosen = chosen.join(tasks, on="task_id", how="left")
    if missing := chosen.filter(pl.col("data").is_null())["task_id"].to_list():
        raise ValueError(f"tasks {missing} have annotations but no pulled task copy: run `curation pull --full`")
    split = pl.col("article_id").map_elements(lambda a: SPLITS.index(split_of(a, ratios)), return_dtype=pl.Int64)
    return selection, chosen.with_columns(split.alias("split")).sort("split", "article_id")


def to_record(row: dict[str, Any], salt: bytes) -> Record:
    """Parse one chosen annotation (a row of `reviewed`) into a Record."""
    data = orjson.loads(row["data"])
    article = article_from_task(row["task_id"], data)
    spans, relations = read_result(article, orjson.loads(row["result"]))
    return Record(article=article, spans=sorted(spans, key=lambda s: (s.start, s.end, s.id)),
                  relations=sorted(relations), model_version=row["model_version"], task_id=row["task_id"], annotation_id=row["annotation_id"],
                  annotator=pseudonym(salt, row["completed_by"]), schema_version=int(data["schema_version"]),
                  split=SPLITS[row["split"]])
