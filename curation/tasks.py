"""Documents <-> Label Studio tasks: the import JSON, its validation, and writers.

A task's predictions use Label Studio's result format: one `labels` item per
span, one per-region `choices` item per span attribute (same region id), one
`relation` item per relation. `document_from_result` reads the same format back
(annotations pulled from Label Studio), so the two are tested as a round trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from label_studio_sdk.label_interface import LabelInterface
from pydantic import BaseModel, ConfigDict

from curation.atomic import atomic_writer
from curation.labelconfig import LABELS, TEXT, labeling_config
from curation.models import Article, Document, Relation, Span
from curation.schema import SCHEMA

REVIEW_FIELDS = ("review", "review_comment")


class TaskData(BaseModel):
    """`data` of a task: what the labeling config shows. Missing metadata is ""."""

    model_config = ConfigDict(extra="forbid")
    text: str
    title: str
    byline: str
    published: str
    url: str
    publisher: str
    article_id: str
    content_hash: str
    schema_version: int


class Prediction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_version: str
    score: float
    result: list[dict[str, Any]]


class TaskMeta(BaseModel):
    """Label Studio's task `meta`: the identity push reconciles on, small enough to list 10,000 of quickly."""

    model_config = ConfigDict(extra="forbid")
    article_id: str
    content_hash: str


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: TaskData
    meta: TaskMeta
    predictions: list[Prediction] = []


class Review(BaseModel):
    """The per-task review fields of one annotation."""

    decision: Literal["accept", "reject"] | None = None
    comment: str | None = None


def task_data(article: Article) -> TaskData:
    return TaskData(
        text=article.text,
        title=article.title or "",
        byline=article.byline or "",
        published=article.published.isoformat() if article.published else "",
        url=article.url or "",
        publisher=article.publisher or "",
        article_id=article.article_id,
        content_hash=article.content_hash,
        schema_version=SCHEMA.schema_version,
    )


def document_result(doc: Document) -> list[dict[str, Any]]:
    """The Label Studio result list for a document's spans, attributes and relations."""
    result: list[dict[str, Any]] = []
    for span in doc.spans:
        value = {"start": span.start, "end": span.end, "text": span.text}
        result.append({"id": span.id, "from_name": LABELS, "to_name": TEXT, "type": "labels",
                       "value": {**value, "labels": [span.label]}, "score": span.score})
        for name, choice in sorted(span.attributes.items()):
            result.append({"id": span.id, "from_name": name, "to_name": TEXT, "type": "choices",
                           "value": {**value, "choices": [choice]}})
    for rel in doc.relations:
        result.append({"type": "relation", "from_id": rel.from_id, "to_id": rel.to_id, "direction": "right",
                       "labels": [rel.type]})
    return result


def to_task(doc: Document, *, with_predictions: bool = True) -> Task:
    predictions = []
    if with_predictions and doc.model_version:
        scores = [s.score for s in doc.spans]
        predictions.append(Prediction(model_version=doc.model_version, score=round(sum(scores) / len(scores), 4) if scores else 0.0,
                                      result=document_result(doc)))
    article = doc.article
    return Task(data=task_data(article), meta=TaskMeta(article_id=article.article_id, content_hash=article.content_hash),
                predictions=predictions)


def document_from_result(
    article: Article, result: list[dict[str, Any]], *, model_version: str | None = None
) -> tuple[Document, Review]:
    """Spans, attributes and relations (and the review fields) from a Label Studio result list."""
    spans: dict[str, dict[str, Any]] = {}
    attributes: dict[str, dict[str, str]] = {}
    relations, review = [], Review()
    for item in result:
        kind, name, value = item.get("type"), item.get("from_name"), item.get("value", {})
        if kind == "labels" and name == LABELS:
            spans[item["id"]] = {"id": item["id"], "start": value["start"], "end": value["end"],
                                 "text": value.get("text", article.text[value["start"]:value["end"]]),
                                 "label": value["labels"][0], "score": item.get("score", 1.0)}
        elif kind == "choices" and name == "review":
            review.decision = value["choices"][0]
        elif kind == "textarea" and name == "review_comment":
            review.comment = "\n".join(value.get("text", []))
        elif kind == "choices":
            attributes.setdefault(item["id"], {})[name] = value["choices"][0]
        elif kind == "relation":
            relations.append(Relation(from_id=item["from_id"], to_id=item["to_id"], type=item["labels"][0]))
    doc = Document(
        article=article,
        model_version=model_version,
        spans=tuple(Span(**s, attributes=attributes.get(sid, {})) for sid, s in spans.items()),
        relations=tuple(relations),
    )
    return doc, review


class TaskValidator:
    """Validates predictions with label-studio-sdk's own LabelInterface.

    The interface is parsed once (it is slow to build). The SDK checks regions
    against the config; we add what it does not look at: offsets against the
    task text, and relation types and ends against the schema.
    """

    def __init__(self, config: str | None = None) -> None:
        self.interface = LabelInterface(config or labeling_config())

    @classmethod
    @cache
    def shared(cls) -> TaskValidator:
        """One validator for the generated config, built on first use."""
        return cls()

    def errors(self, task: Task) -> list[str]:
        problems = []
        text = task.data.text
        for prediction in task.predictions:
            pred = prediction.model_dump()
            problems += [str(e) for e in self.interface.validate_prediction(pred, return_errors=True)]
            labels = {r["id"]: r["value"]["labels"][0] for r in pred["result"] if r.get("type") == "labels"}
            for region in pred["result"]:
                value = region.get("value", {})
                if "start" in value and text[value["start"]:value["end"]] != value.get("text"):
                    problems.append(f"region {region.get('id')}: text[{value['start']}:{value['end']}] != {value.get('text')!r}")
                if region.get("type") == "relation":
                    ends = (labels.get(region["from_id"]), labels.get(region["to_id"]))
                    rel = region["labels"][0] if region.get("labels") else None
                    if rel not in SCHEMA.relation_types or ends != SCHEMA.relation_ends(rel):
                        problems.append(f"relation {region['from_id']}->{region['to_id']}: {rel} cannot join {ends}")
        return problems

    def validate(self, task: Task) -> None:
        if problems := self.errors(task):
            raise ValueError(f"invalid prediction for {task.data.article_id}: " + "; ".join(problems))


def write_tasks(tasks: Iterable[Task], path: str | Path, fmt: Literal["json", "jsonl"] = "json") -> int:
    """Stream tasks to a Label Studio import file atomically; returns how many were written."""
    count = 0
    with atomic_writer(path) as out:
        if fmt == "json":
            out.write("[")
        for task in tasks:
            line = task.model_dump_json(exclude_none=False)
            if fmt == "json":
                out.write(("," if count else "") + "\n" + line)
            else:
                out.write(line + "\n")
            count += 1
        if fmt == "json":
            out.write("\n]\n")
    return count
