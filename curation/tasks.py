"""Documents <-> Label Studio tasks: the import JSON, its validation, and writers.

A task's prediction uses Label Studio's result format: one `labels` item per
span, one per-region `choices` item per span attribute (same region id and
offsets), one `relation` item per relation. `document_from_result` reads the
same format back (annotations pulled from Label Studio), so the two are tested
as a round trip.

The models fix the shape of the JSON; whether its labels, choices and offsets
fit the labeling config and the text is `validate_task`'s job, so a bad
prediction is reported with the region that is wrong.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from statistics import fmean
from typing import Annotated, Any, BinaryIO, Literal, TextIO, Union
from weakref import WeakKeyDictionary

from label_studio_sdk.label_interface import LabelInterface
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import to_json

from curation.atomic import atomic_writer
from curation.labelconfig import COMMENT, LABELS, REVIEW, TEXT, labeling_config
from curation.models import Article, Document, Relation, Span
from curation.schema import SCHEMA
from curation.stories.ids import first_story_id

ReviewChoice = Literal[SCHEMA.task_fields.review.choices]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskData(Strict):
    """`data` of a task: what the labeling config shows (keys: SCHEMA.task_data). Missing metadata is null."""

    text: str
    title: str | None
    byline: str | None
    published: str | None = Field(description="ISO 8601 date")
    url: str | None
    publisher: str | None
    article_id: str
    content_hash: str
    story_id: str = Field(description="The story this article is a copy or revision of (curation/stories)")
    also_published_as: str | None = Field(None, description="The story's other copies: those push linked without "
                                            "importing them, or the other articles of the story in a `curation tasks` file")
    schema_version: int


class TaskMeta(Strict):
    """Label Studio's task `meta`: the identity push reconciles on, small enough to list 10,000 of quickly."""

    article_id: str
    content_hash: str


class SpanValue(BaseModel):
    start: int
    end: int
    text: str


class LabelsValue(SpanValue):
    labels: list[str]


class ChoicesValue(SpanValue):
    choices: list[str]


class LabelsResult(BaseModel):
    """A span; its region id is the span id. `score` is absent in people's annotations."""

    type: Literal["labels"]
    id: str
    from_name: str
    to_name: str
    value: LabelsValue
    score: float | None = None


class ChoicesResult(BaseModel):
    """A per-region attribute: the id and offsets of the span it describes."""

    type: Literal["choices"]
    id: str
    from_name: str
    to_name: str
    value: ChoicesValue


class RelationResult(BaseModel):
    """An arrow between two regions; "right" points from `from_id` to `to_id`."""

    type: Literal["relation"]
    from_id: str
    to_id: str
    direction: Literal["right", "left", "bi"] = "right"
    labels: list[str] = []


# Result items ignore unknown keys: Label Studio adds its own (origin, readonly, ...) to annotations.
ResultItem = Annotated[Union[LabelsResult, ChoicesResult, RelationResult], Field(discriminator="type")]
result_item: TypeAdapter[LabelsResult | ChoicesResult | RelationResult] = TypeAdapter(ResultItem)


class Prediction(Strict):
    """One pre-annotation of a task; `score` is the mean span score (0 without spans)."""

    model_version: str
    score: float
    result: list[ResultItem]


class Task(Strict):
    """One Label Studio import item."""

    data: TaskData
    meta: TaskMeta
    predictions: list[Prediction] = []


class ReviewDecision(BaseModel):
    """The per-task review fields of one annotation (not part of the Document)."""

    decision: ReviewChoice | None = None  # type: ignore[valid-type]
    comment: str | None = None


# Document -> task


def task_data(article: Article) -> TaskData:
    return TaskData(
        text=article.text,
        title=article.title,
        byline=article.byline,
        published=article.published.isoformat() if article.published else None,
        url=article.url,
        publisher=article.publisher,
        article_id=article.article_id,
        content_hash=article.content_hash,
        story_id=article.story_id or first_story_id(article.article_id),
        schema_version=SCHEMA.schema_version,
    )


def document_result(doc: Document) -> list[dict[str, Any]]:
    """The Label Studio result list of a document's spans, attributes and relations."""
    result: list[dict[str, Any]] = []
    for span in doc.spans:
        where = {"start": span.start, "end": span.end, "text": span.text}
        result.append({"type": "labels", "id": span.id, "from_name": LABELS, "to_name": TEXT,
                       "value": {**where, "labels": [span.label]}, "score": span.score})
        for name, choice in span.attributes.items():
            result.append({"type": "choices", "id": span.id, "from_name": name, "to_name": TEXT,
                           "value": {**where, "choices": [choice]}})
    for rel in doc.relations:
        result.append({"type": "relation", "from_id": rel.from_id, "to_id": rel.to_id, "direction": "right",
                       "labels": [rel.type]})
    return result


def prediction(doc: Document) -> Prediction:
    if doc.model_version is None:
        raise ValueError(f"article {doc.article.article_id}: a prediction needs the document's model_version")
    score = fmean(s.score for s in doc.spans) if doc.spans else 0.0
    return Prediction.model_validate({"model_version": doc.model_version, "score": score, "result": document_result(doc)})


def to_task(doc: Document, *, with_predictions: bool = True) -> Task:
    article = doc.article
    return Task(
        data=task_data(article),
        meta=TaskMeta(article_id=article.article_id, content_hash=article.content_hash),
        predictions=[prediction(doc)] if with_predictions else [],
    )


# Label Studio result -> Document


def document_from_result(article: Article, result: list[dict[str, Any]], *, model_version: str | None = None) -> Document:
    """Spans (with their per-region attributes) and relations of a result list; review fields are skipped.

    Raises ValueError naming the article and region for an item the schema cannot hold.
    """
    spans: dict[str, dict[str, Any]] = {}
    attributes: dict[str, dict[str, str]] = {}
    relations = []
    for item in (parse_item(article, raw) for raw in result if raw.get("from_name") not in (REVIEW, COMMENT)):
        if isinstance(item, LabelsResult):
            v = item.value
            spans[item.id] = {"id": item.id, "start": v.start, "end": v.end, "text": v.text,
                              "label": only(article, item.id, v.labels), "score": 1.0 if item.score is None else item.score}
        elif isinstance(item, ChoicesResult):
            attributes.setdefault(item.id, {})[item.from_name] = only(article, item.id, item.value.choices)
        else:
            relations.append(relation(article, item))
    if orphans := sorted(attributes.keys() - spans.keys()):
        raise ValueError(f"article {article.article_id}: region {', '.join(orphans)}: attributes without a labelled span")
    try:
        return Document(
            article=article,
            model_version=model_version,
            spans=tuple(Span(**span, attributes=attributes.get(sid, {})) for sid, span in spans.items()),
            relations=tuple(relations),
        )
    except ValidationError as exc:  # its messages name the span or relation
        raise ValueError(f"article {article.article_id}: {exc}") from None


def parse_item(article: Article, raw: dict[str, Any]) -> LabelsResult | ChoicesResult | RelationResult:
    try:
        return result_item.validate_python(raw)
    except ValueError as exc:
        region = raw.get("id") or f"{raw.get('from_id')}->{raw.get('to_id')}"
        raise ValueError(f"article {article.article_id}: region {region}: not a text span, choice or relation: {exc}") from None


def only(article: Article, region: str, values: list[str]) -> str:
    if len(values) != 1:
        raise ValueError(f"article {article.article_id}: region {region}: expected exactly one value, got {values}")
    return values[0]


def relation(article: Article, item: RelationResult) -> Relation:
    """A Relation, turning Label Studio's "left" arrows around; "bi" has no direction to keep."""
    name = f"relation {item.from_id}->{item.to_id}"
    if item.direction == "bi":
        raise ValueError(f"article {article.article_id}: {name}: bidirectional, but relations have a direction")
    ends = (item.from_id, item.to_id) if item.direction == "right" else (item.to_id, item.from_id)
    try:
        return Relation(from_id=ends[0], to_id=ends[1], type=only(article, name, item.labels))
    except ValidationError as exc:
        raise ValueError(f"article {article.article_id}: {name}: {exc}") from None


def review_from_result(result: list[dict[str, Any]]) -> ReviewDecision:
    """The review decision and comment of an annotation's result list."""
    fields: dict[str, Any] = {}
    for item in result:
        value = item.get("value") or {}
        if item.get("from_name") == REVIEW and value.get("choices"):
            fields["decision"] = value["choices"][0]
        elif item.get("from_name") == COMMENT and value.get("text"):
            fields["comment"] = "\n".join(value["text"])
    return ReviewDecision.model_validate(fields)


# Validation


class InvalidTask(ValueError):
    """A prediction that Label Studio would reject or misplace."""


# Region kinds label-studio-sdk has accepted, per interface. Its verdict on a text
# region depends only on the control, the object, the type and the label/choice
# values (offsets are shape-checked, and the models fix their types), so one
# check per kind stands for all; rejections are never cached, so every error
# message is about the region that caused it.
_accepted: WeakKeyDictionary[LabelInterface, set[tuple]] = WeakKeyDictionary()
_SDK_INDEX = re.compile(r"^(Region|Relation) \d+: ")
ATTRIBUTES = {label: frozenset(a.name for a in SCHEMA.attributes_for(label)) for label in SCHEMA.span_labels}


def sdk_region_errors(interface: LabelInterface, accepted: set[tuple], item: LabelsResult | ChoicesResult) -> list[str]:
    values = item.value.labels if isinstance(item, LabelsResult) else item.value.choices
    kind = (item.type, item.from_name, item.to_name, tuple(values))
    if kind in accepted:
        return []
    errors = interface.validate_region(item.model_dump(), return_errors=True)
    if not errors:
        accepted.add(kind)
    return [_SDK_INDEX.sub("", e) for e in errors]


def prediction_errors(prediction: Prediction, text: str, interface: LabelInterface) -> list[str]:
    """Every problem of one prediction, each naming its region.

    label-studio-sdk checks each region against the config (control, object,
    type, label and choice values) and that relations join existing regions.
    It is silent on the rest, checked here against the text and the schema:
    offsets and span text, exactly one label or choice per item, unique span ids,
    per-region choices on a span of the label they belong to with the span's
    offsets, region and prediction scores, relation types and their ends.
    """
    accepted = _accepted.setdefault(interface, set())
    errors = [] if 0 <= prediction.score <= 1 else [f"score {prediction.score} outside [0, 1]"]
    spans: dict[str, LabelsResult] = {}
    for item in prediction.result:
        if isinstance(item, LabelsResult):
            problems = sdk_region_errors(interface, accepted, item) + span_errors(item, text)
            if item.id in spans:
                problems.append(f"duplicate region id {item.id}")
            spans[item.id] = item
            errors += [f"region {item.id}: {p}" for p in problems]
    regions = [{"id": region} for region in spans]  # all the SDK's relation check reads of a region
    for item in prediction.result:
        if isinstance(item, ChoicesResult):
            problems = sdk_region_errors(interface, accepted, item) + attribute_errors(item, spans.get(item.id))
            errors += [f"region {item.id}: {p}" for p in problems]
        elif isinstance(item, RelationResult):
            problems = [_SDK_INDEX.sub("", e) for e in interface.validate_relation(item.model_dump(), regions, return_errors=True)]
            problems += relation_errors(item, spans)
            errors += [f"relation {item.from_id}->{item.to_id}: {p}" for p in problems]
    return errors


def span_errors(item: LabelsResult, text: str) -> list[str]:
    value, problems = item.value, []
    if not 0 <= value.start <= value.end <= len(text):
        problems.append(f"offsets {value.start}:{value.end} outside the text (length {len(text)})")
    elif text[value.start : value.end] != value.text:
        problems.append(f"text[{value.start}:{value.end}] is {text[value.start:value.end]!r}, not {value.text!r}")
    if len(value.labels) != 1:
        problems.append(f"{len(value.labels)} labels, expected one")
    if item.score is not None and not 0 <= item.score <= 1:
        problems.append(f"score {item.score} outside [0, 1]")
    return problems


def attribute_errors(item: ChoicesResult, span: LabelsResult | None) -> list[str]:
    value, problems = item.value, []
    if len(value.choices) != 1:
        problems.append(f"{len(value.choices)} choices for {item.from_name}, expected one")
    if span is None:
        return problems + [f"{item.from_name} choice without a labelled span"]
    label = span.value.labels[0] if span.value.labels else None
    if item.from_name not in ATTRIBUTES.get(label, ()):
        problems.append(f"{item.from_name} is not an attribute of {label}")
    if (value.start, value.end, value.text) != (span.value.start, span.value.end, span.value.text):
        problems.append(f"{item.from_name} choice at {value.start}:{value.end}, its span at {span.value.start}:{span.value.end}")
    return problems


def relation_errors(item: RelationResult, spans: dict[str, LabelsResult]) -> list[str]:
    if len(item.labels) != 1 or item.labels[0] not in SCHEMA.relation_types:
        return [f"labels {item.labels}, expected one of {list(SCHEMA.relation_types)}"]
    ends = tuple(spans[i].value.labels[0] if i in spans and spans[i].value.labels else None for i in (item.from_id, item.to_id))
    if ends != SCHEMA.relation_ends(item.labels[0]):
        return [f"{item.labels[0]} cannot join {ends[0]} -> {ends[1]}"]
    return []


def validate_task(task: Task, interface: LabelInterface) -> None:
    """Raise InvalidTask naming the article and every offending region, if any prediction is invalid."""
    errors = [f"prediction {p.model_version}: {e}" for p in task.predictions
              for e in prediction_errors(p, task.data.text, interface)]
    if errors:
        raise InvalidTask(f"article {task.data.article_id}: invalid prediction: " + "; ".join(errors))


class TaskValidator:
    """`validate_task` with one LabelInterface per run: the generated config, or a project's own."""

    def __init__(self, config: str | None = None) -> None:
        self.interface = LabelInterface(config or labeling_config())

    def validate(self, task: Task) -> None:
        validate_task(task, self.interface)


# Writers


def write_tasks(tasks: Iterable[Task], path: str | Path, fmt: Literal["json", "jsonl"] = "json",
                *, also_published_as: Callable[[], dict[str, str]] | None = None) -> int:
    """Stream tasks to a Label Studio import file, atomically; returns how many were written.

    Items are written as they come (a JSON array is opened, filled and closed
    incrementally), so memory stays flat; a failure mid-stream leaves the
    previous file untouched. `also_published_as`, called once every task is
    through, gives the "also published as" text of tasks (by content hash) that
    only later tasks made known: the file is spooled as it will be (next to it)
    with where each task's field is, then copied with those fields filled in.
    """
    if fmt not in ("json", "jsonl"):
        raise ValueError(f"unknown task file format {fmt!r}: use json or jsonl")
    if also_published_as is None:
        with atomic_writer(path) as out:
            return _write(out, (task.model_dump_json() for task in tasks), fmt)
    spooled = partial(tempfile.TemporaryFile, dir=Path(path).parent, buffering=_SPOOL_BUFFER)
    with atomic_writer(path, "wb") as out, spooled() as spool:
        fields: list[tuple[int, str]] = []  # where each task's `"also_published_as":null` is in the spool; its hash
        at = spool.write(_OPEN[fmt].encode())
        for count, task in enumerate(tasks):
            line = _framed(task.model_dump_json(), count, fmt).encode("utf-8")
            fields.append((at + line.index(_NOT_SHOWN), task.meta.content_hash))
            at += spool.write(line)
        spool.write(_CLOSE[fmt].encode())
        shown = also_published_as()
        _splice(spool, out, [(where, _showing(shown[content_hash])) for where, content_hash in fields
                             if content_hash in shown])
        return len(fields)


_NOT_SHOWN = b'"also_published_as":null'
_NO_FILE_TO_FILE = frozenset({errno.EINVAL, errno.ENOTSOCK, errno.ENOSYS, errno.EOPNOTSUPP})  # sendfile's refusals
_SPOOL_BUFFER = 1 << 20  # a task's line is ~10 kB: written a line at a time, the spool cost a system call each
_OPEN = {"json": "[", "jsonl": ""}
_CLOSE = {"json": "\n]\n", "jsonl": ""}


def _showing(text: str) -> bytes:
    """What takes the place of `"also_published_as":null` in a task's line to show `text`: the field as pydantic
    serialises it. Inside a JSON string every `"` is escaped, so that key occurs in a task's line only as the field
    (its first occurrence is the field)."""
    return b'"also_published_as":' + to_json(text)


def _splice(spool: BinaryIO, out: BinaryIO, fields: list[tuple[int, bytes]]) -> None:
    """The spool, copied to `out` with the bytes of each field in place of the `"also_published_as":null` at its offset."""
    spool.flush()
    start = 0
    for at, field in [*fields, (spool.tell(), b"")]:
        _copy(spool, out, start, at)
        out.write(field)
        start = at + len(_NOT_SHOWN)


def _copy(spool: BinaryIO, out: BinaryIO, start: int, stop: int) -> None:
    """The spool's bytes [start, stop) onto `out`, copied by the kernel (os.sendfile: reading the spool back through
    Python cost as much as writing it); read and written where the kernel sends files only to sockets (macOS)."""
    out.flush()
    try:
        while start < stop:
            start += os.sendfile(out.fileno(), spool.fileno(), start, stop - start)
    except OSError as exc:
        if exc.errno not in _NO_FILE_TO_FILE:
            raise
        while start < stop:
            start += out.write(os.pread(spool.fileno(), min(stop - start, _SPOOL_BUFFER), start))


def _framed(line: str, count: int, fmt: str) -> str:
    """Task number `count` as the file holds it: in a JSON array, after a comma (but the first) on a line of its own;
    in JSONL, on its line."""
    return f"{',' if count else ''}\n{line}" if fmt == "json" else f"{line}\n"


def _write(out: TextIO, lines: Iterable[str], fmt: str) -> int:
    count = 0
    out.write(_OPEN[fmt])
    for line in lines:
        out.write(_framed(line, count, fmt))
        count += 1
    out.write(_CLOSE[fmt])
    return count
