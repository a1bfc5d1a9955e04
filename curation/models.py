"""The contracts between pipeline stages, defined once.

ingest -> `Article`; pre-annotate -> `Document` (an article with sentences, spans
and relations); tasks -> Label Studio JSON built from a `Document`. Every span is
validated against the text it points into: `text[start:end] == span.text`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from curation.schema import SCHEMA, RelationType, SpanLabel


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Problem(Frozen):
    """Something wrong with one input: the file (and line) and what is wrong."""

    path: str
    line: int | None = None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.severity}: {self.message}"


class Offsets(Frozen):
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Offsets:
        if self.end < self.start:
            raise ValueError(f"end {self.end} < start {self.start}")
        return self


class Paragraph(Offsets):
    pass


class Sentence(Offsets):
    pass


class Article(Frozen):
    """A normalised article: `text` is what annotators see; all offsets refer to it.

    `article_id` is content-addressed from the article's identity (its given id,
    else its URL, else its text), so it is stable across re-ingests;
    `content_hash` changes whenever the text or metadata change. `story_id` groups the
    syndicated copies and revisions of one story (curation/stories); None until placed.
    """

    article_id: str
    content_hash: str
    story_id: str | None = None
    text: str
    title: str | None = None
    byline: str | None = None
    published: dt.date | None = None
    url: str | None = None
    publisher: str | None = None
    language: str | None = "en"
    external_id: str | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    source_path: str
    source_line: int | None = None
    warnings: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _paragraphs_inside_text(self) -> Article:
        for p in self.paragraphs:
            if p.end > len(self.text):
                raise ValueError(f"paragraph {p.start}:{p.end} beyond text of length {len(self.text)}")
        return self


class Span(Offsets):
    """A labelled region. `score` is the pre-annotator's confidence (1.0 for people)."""

    id: str = Field(min_length=1)
    text: str
    label: SpanLabel  # type: ignore[valid-type]
    score: float = Field(default=1.0, ge=0.0, le=1.0)
    attributes: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _length_and_attributes(self) -> Span:
        if len(self.text) != self.end - self.start:
            raise ValueError(f"span {self.id}: text length {len(self.text)} != end - start {self.end - self.start}")
        allowed = {a.name: a.choices for a in SCHEMA.attributes_for(self.label)}
        for name, value in self.attributes.items():
            if name not in allowed:
                raise ValueError(f"span {self.id}: attribute {name!r} is not defined for {self.label}")
            if value not in allowed[name]:
                raise ValueError(f"span {self.id}: {name}={value!r} not in {allowed[name]}")
        return self


class Relation(Frozen):
    from_id: str
    to_id: str
    type: RelationType  # type: ignore[valid-type]


class Document(Frozen):
    """An article with its sentences, spans and relations (predicted or annotated).

    Construction fails unless every span satisfies `text[start:end] == span.text`,
    span ids are unique, and every relation joins existing spans of the label pair
    the schema allows.
    """

    article: Article
    model_version: str | None = None
    sentences: tuple[Sentence, ...] = ()
    spans: tuple[Span, ...] = ()
    relations: tuple[Relation, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Document:
        text = self.article.text
        by_id: dict[str, Span] = {}
        for span in self.spans:
            if text[span.start : span.end] != span.text:
                raise ValueError(
                    f"article {self.article.article_id}: span {span.id} {span.start}:{span.end} "
                    f"is {text[span.start:span.end]!r} in the text, not {span.text!r}"
                )
            if span.id in by_id:
                raise ValueError(f"article {self.article.article_id}: duplicate span id {span.id}")
            by_id[span.id] = span
        for s in self.sentences:
            if s.end > len(text):
                raise ValueError(f"sentence {s.start}:{s.end} beyond text of length {len(text)}")
        for rel in self.relations:
            ends = (by_id.get(rel.from_id), by_id.get(rel.to_id))
            if None in ends:
                raise ValueError(f"relation {rel.from_id}->{rel.to_id} points to a missing span")
            if (ends[0].label, ends[1].label) != SCHEMA.relation_ends(rel.type):  # type: ignore[union-attr]
                raise ValueError(f"relation {rel.type} cannot join {ends[0].label} -> {ends[1].label}")  # type: ignore[union-attr]
        return self

    @property
    def text(self) -> str:
        return self.article.text
