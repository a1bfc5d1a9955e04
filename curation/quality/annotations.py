"""Pulled annotations parsed into Documents, grouped the way agreement needs them.

Results go through `curation.tasks.document_from_result`, the reader export uses,
so spans, attributes and relations mean the same here as in a dataset. An
annotation the reader refuses (a region that does not fit the text) is left out
and reported, rather than stopping every figure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl

from curation.export.source import article_from_task
from curation.models import Document
from curation.sync import snapshots
from curation.sync.review import with_authors
from curation.team.roster import review_rule
from curation.tasks import document_from_result
from curation.workspace import Workspace


@dataclass(frozen=True)
class Annotation:
    """One submitted annotation of a task, parsed."""

    annotation_id: int
    task_id: int
    annotator: int
    doc: Document
    review: str | None = None


@dataclass(frozen=True)
class Pulled:
    """What the snapshots hold: live annotation rows, task copies, and the parsed submitted annotations."""

    live: pl.DataFrame  # latest version of every undeleted annotation, cancelled ones included
    tasks: pl.DataFrame  # snapshots.read_tasks
    annotations: dict[int, Annotation]  # annotation id -> parsed (submitted ones only)
    problems: list[str] = field(default_factory=list)

    def task_annotations(self) -> dict[int, list[Annotation]]:
        """task id -> its annotations, one per annotator (their latest), ordered by annotator id."""
        latest: dict[tuple[int, int], Annotation] = {}
        for row in self.live.filter(~pl.col("was_cancelled")).sort("updated_at", "annotation_id").iter_rows(named=True):
            if (parsed := self.annotations.get(row["annotation_id"])) is not None:
                latest[(row["task_id"], row["author"])] = parsed
        grouped: dict[int, list[Annotation]] = {}
        for (task_id, _), ann in sorted(latest.items()):
            grouped.setdefault(task_id, []).append(ann)
        return grouped

    def multi_annotated(self) -> dict[int, list[Annotation]]:
        """Tasks that at least two annotators submitted."""
        return {task: anns for task, anns in self.task_annotations().items() if len(anns) >= 2}


def parse(live: pl.DataFrame, tasks: pl.DataFrame) -> Pulled:
    """Parse every submitted annotation of `live` against its task's text (from `tasks`). Annotations are
    grouped by `live`'s `author` column (`curation.sync.review.with_authors`): never by `completed_by` alone,
    the name an annotation gives, which a reviewer saving for someone else would merge into one person."""
    if "author" not in live.columns:
        raise ValueError("annotations without an `author` column: pass them through curation.sync.review.with_authors")
    data = {row["task_id"]: json.loads(row["data"]) for row in tasks.select("task_id", "data").iter_rows(named=True)}
    parsed: dict[int, Annotation] = {}
    problems: list[str] = []
    for row in live.filter(~pl.col("was_cancelled")).iter_rows(named=True):
        task = data.get(row["task_id"])
        if task is None:
            problems.append(f"task {row['task_id']}: no pulled task copy (run `curation pull --full`)")
            continue
        try:
            doc = document_from_result(article_from_task(row["task_id"], task), json.loads(row["result"]))
        except ValueError as exc:
            problems.append(f"task {row['task_id']} annotation {row['annotation_id']}: left out: {exc}")
            continue
        parsed[row["annotation_id"]] = Annotation(row["annotation_id"], row["task_id"], row["author"], doc,
                                                  row["review"])
    return Pulled(live=live, tasks=tasks, annotations=parsed, problems=problems)


def load(ws: Workspace, *, multi_annotated_only: bool = False) -> Pulled:
    """The workspace's pulled state: latest undeleted annotations with their authors, parsed; with `multi_annotated_only`, only
    those of tasks that two or more annotators submitted (all agreement needs, and far fewer to parse)."""
    project_id = snapshots.current_project(ws)
    live = with_authors(snapshots.live(ws, project_id), review_rule(ws))
    if multi_annotated_only:
        submitted = live.filter(~pl.col("was_cancelled"))
        live = live.filter(pl.col("task_id").is_in(
            submitted.group_by("task_id").agg(pl.col("author").n_unique().alias("n"))
            .filter(pl.col("n") >= 2)["task_id"].implode()))
    return parse(live, snapshots.read_tasks(ws, project_id))


def pairs(annotations: list[Annotation]) -> Iterator[tuple[Annotation, Annotation]]:
    """Every pair of distinct annotators' annotations, the lower annotator id first."""
    for i, a in enumerate(annotations):
        for b in annotations[i + 1:]:
            yield a, b
