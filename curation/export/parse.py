"""A fast reader of Label Studio results for export, with `document_from_result` as the authority.

`document_from_result` validates every item and span with pydantic, about 1-3 ms
per article: more than the whole export may spend. This reader decodes a result's
JSON straight into typed structs (msgspec: the item's `type` picks the struct, and
what export does not read, such as the text every choice repeats, is skipped, not
built), makes the same checks that guard the data (one label of the schema per
span, `text[start:end] == span text`, unique ids, attributes of the span's label
with allowed values, relations of a known type between the allowed labels, no
two-way arrows), then returns plain tuples: pydantic objects for every span cost as
much again. Whenever decoding or a check fails it hands the result to
`document_from_result`, so errors read the same as everywhere else; a test holds
the two readers equal on valid results.
"""

from __future__ import annotations

from typing import NamedTuple

import msgspec
import orjson

from curation.labelconfig import COMMENT, REVIEW
from curation.models import Article
from curation.schema import SCHEMA
from curation.tasks import document_from_result

ALLOWED = {label: {a.name: frozenset(a.choices) for a in SCHEMA.attributes_for(label)} for label in SCHEMA.span_labels}
ENDS = {r.name: (r.from_label, r.to_label) for r in SCHEMA.relations}
SKIP = (REVIEW, COMMENT)


class SpanRow(NamedTuple):
    """A validated span (the fields of models.Span that export needs), light enough for millions."""

    id: str
    start: int
    end: int
    text: str
    label: str
    attributes: dict[str, str]


class RelationRow(NamedTuple):
    from_id: str
    to_id: str
    type: str


class Region(msgspec.Struct):
    start: int
    end: int
    text: str
    labels: list[str]


class Labels(msgspec.Struct, tag="labels", tag_field="type"):
    id: str
    value: Region
    from_name: str = ""
    score: float | None = None


class Picked(msgspec.Struct):
    choices: list[str]


class Choices(msgspec.Struct, tag="choices", tag_field="type"):
    id: str
    from_name: str
    value: Picked


class Relation(msgspec.Struct, tag="relation", tag_field="type"):
    from_id: str
    to_id: str
    direction: str = "right"
    labels: list[str] = []


class Comment(msgspec.Struct, tag="textarea", tag_field="type"):
    from_name: str = ""


DECODE = msgspec.json.Decoder(list[Labels | Choices | Relation | Comment]).decode


class Invalid(Exception):
    """Internal: something for document_from_result to explain."""


def read_result(article: Article, raw: bytes | memoryview) -> tuple[list[SpanRow], list[RelationRow]]:
    """Spans and relations of an annotation result (its JSON); ValueError (document_from_result's message) if it is
    invalid."""
    try:
        return _fast(article, DECODE(raw))
    except (msgspec.DecodeError, Invalid, KeyError):
        try:
            result = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:  # a damaged snapshot: say which article's result, and where it breaks
            raise ValueError(f"article {article.article_id}: annotation result is not JSON ({exc})") from None
        document_from_result(article, result)  # raises, naming the region
        raise ValueError(f"article {article.article_id}: annotation result not readable") from None


def _fast(article: Article, result: list[Labels | Choices | Relation | Comment]) -> tuple[list[SpanRow], list[RelationRow]]:
    text = article.text
    spans: dict[str, SpanRow] = {}
    choices: list[Choices] = []
    relations = []
    for item in result:
        kind = type(item)
        if kind is Relation:
            labels = item.labels
            if item.direction not in ("right", "left") or len(labels) != 1 or labels[0] not in ENDS:
                raise Invalid
            ends = (item.from_id, item.to_id) if item.direction == "right" else (item.to_id, item.from_id)
            relations.append((ends, labels[0]))
        elif item.from_name in SKIP:
            continue
        elif kind is Labels:
            value = item.value
            start, end, labels = value.start, value.end, value.labels
            if (not 0 <= start <= end <= len(text) or not item.id or len(labels) != 1 or labels[0] not in ALLOWED
                    or text[start:end] != value.text or item.id in spans or not 0 <= (item.score or 0) <= 1):
                raise Invalid
            spans[item.id] = SpanRow(item.id, start, end, value.text, labels[0], {})
        elif kind is Choices:
            choices.append(item)
        else:
            raise Invalid
    for item in choices:
        span, values = spans[item.id], item.value.choices
        if len(values) != 1 or values[0] not in ALLOWED[span.label].get(item.from_name, ()):
            raise Invalid
        span.attributes[item.from_name] = values[0]
    for (source, target), name in relations:
        if (spans[source].label, spans[target].label) != ENDS[name]:
            raise Invalid
    return list(spans.values()), [RelationRow(a, b, t) for (a, b), t in relations]
