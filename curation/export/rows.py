"""Records -> one Arrow table per config (documents, sentences, tokens, claims, annotations).

Rows are ordered by article id, then position in the text, and carry no clock
value, so the same records always give the same bytes. Columns are filled
column-wise (flat lists plus list lengths) and assembled into nested Arrow arrays
at the end: building millions of small dicts would dominate an export. Sentences
come from the rules pre-annotator's splitter (exact offsets, news abbreviations);
a span belongs to every sentence it overlaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from curation.export.features import (ATTRIBUTE, ATTRIBUTES, CLAIM_LABEL, FEATURES, LAYER_COLUMNS, RELATION_TYPE,
                                      REVIEW, SENTENCE_LABEL, SPAN_LABEL)
from curation.export.parse import RelationRow, SpanRow
from curation.export.source import Record
from curation.export.tokens import bio_tags, layer_tags, misaligned, token_strings, tokenize
from curation.preannotate.sentences import split_sentences

# check_worthiness of a sentence: its most check-worthy claim's value.
WORTHINESS_ORDER = ("check_worthy", "unsure", "not_check_worthy")
# Articles tokenised as one text: enough to spread numpy's per-call cost, few enough that the arrays stay in cache.
TOKENS_BATCH = 50
SCHEMAS = {name: features.arrow_schema for name, features in FEATURES.items()}
# ClassLabel ids by name (ClassLabel.str2int checks its argument on every call).
SPAN_IDS = {name: i for i, name in enumerate(SPAN_LABEL.names)}
RELATION_IDS = {name: i for i, name in enumerate(RELATION_TYPE.names)}
# Attribute value -> ClassLabel id; an unset value (None) is "none", id 0.
ATTRIBUTE_IDS = {name: {None: 0, **{v: i for i, v in enumerate(label.names) if i}} for name, label in ATTRIBUTE.items()}
REVIEW_IDS = {None: 0, **{v: i for i, v in enumerate(REVIEW.names) if i}}
CLAIM_LABEL_IDS = {None: -1, **{v: i for i, v in enumerate(CLAIM_LABEL.names)}}
SENTENCE_LABEL_IDS = {v: i for i, v in enumerate(SENTENCE_LABEL.names)}


class Values:
    """A primitive column: one value per row, kept as Python values or as ready arrays (numpy or Arrow)."""

    def __init__(self, kind: pa.DataType) -> None:
        self.kind, self.parts, self.values = kind, [], []

    def extend(self, value: Any, n: int) -> None:
        """A list or array of `n` values, or one value for all `n` rows."""
        if type(value) is list:  # the common case first: this runs for every field of every row batch
            self.values.extend(value)
        elif isinstance(value, (np.ndarray, pa.Array)):
            self.flush()
            self.parts.append(pa.array(value, type=self.kind) if isinstance(value, np.ndarray) else value)
        else:
            self.values.extend([value] * n)

    def flush(self) -> None:
        if self.values:
            self.parts.append(pa.array(self.values, type=self.kind))
            self.values = []

    def array(self) -> pa.Array:
        self.flush()
        return pa.concat_arrays(self.parts) if self.parts else pa.array([], type=self.kind)


class Lists:
    """A list column, stored as each row's length and the flat values of all rows."""

    def __init__(self, kind: pa.ListType) -> None:
        self.kind, self.lengths, self.child = kind, [], store(kind.value_type)

    def extend(self, value: tuple[list[int] | np.ndarray, Any], n: int) -> None:
        lengths, flat = value
        self.lengths.append(np.asarray(lengths, np.int64))
        self.child.extend(flat, int(self.lengths[-1].sum()))

    def array(self) -> pa.Array:
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, np.int64)
        offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
        return pa.ListArray.from_arrays(offsets, self.child.array(), type=self.kind)


class Structs:
    """A struct column, one store per field; values come as a dict of the fields' values."""

    def __init__(self, kind: pa.StructType) -> None:
        self.kind, self.fields = kind, {field.name: store(field.type) for field in kind}

    def extend(self, value: dict[str, Any], n: int) -> None:
        for name, child in self.fields.items():
            child.extend(value[name], n)

    def array(self) -> pa.Array:
        return pa.StructArray.from_arrays([child.array() for child in self.fields.values()], fields=list(self.kind))


def store(kind: pa.DataType) -> Values | Lists | Structs:
    if pa.types.is_list(kind):
        return Lists(kind)
    return Structs(kind) if pa.types.is_struct(kind) else Values(kind)


class Columns:
    """Rows of one config, stored column-wise."""

    def __init__(self, config: str) -> None:
        self.schema = SCHEMAS[config]
        self.data = {field.name: store(field.type) for field in self.schema}
        self.rows = 0

    def extend(self, n: int, **values: Any) -> None:
        for name, value in values.items():
            self.data[name].extend(value, n)
        self.rows += n

    def table(self) -> pa.Table:
        return pa.Table.from_arrays([self.data[f.name].array() for f in self.schema], schema=self.schema)


PROVENANCE_OF: dict[str, Callable[[Record], Any]] = {
    "article_id": lambda r: r.article.article_id, "task_id": lambda r: r.task_id,
    "annotation_id": lambda r: r.annotation_id, "annotator": lambda r: r.annotator,
    "model_version": lambda r: r.model_version, "schema_version": lambda r: r.schema_version,
}


def provenance(record: Record) -> dict[str, Any]:
    return {name: value_of(record) for name, value_of in PROVENANCE_OF.items()}


def metadata(record: Record) -> dict[str, Any]:
    a = record.article
    return {"title": a.title, "byline": a.byline, "published": a.published.isoformat() if a.published else None,
            "url": a.url, "publisher": a.publisher}


def spans_of(spans: Sequence[SpanRow]) -> dict[str, Any]:
    """Column-wise span structs."""
    ids, starts, ends, texts, labels, attributes = (list(field) for field in zip(*spans)) if spans else ([],) * 6
    return {"id": ids, "start": starts, "end": ends, "text": texts, "label": [SPAN_IDS[label] for label in labels],
            "attributes": {name: [ATTRIBUTE_IDS[name][a.get(name)] for a in attributes] for name in ATTRIBUTES}}


def relations_of(relations: Sequence[RelationRow]) -> dict[str, Any]:
    return {"from": [r.from_id for r in relations], "to": [r.to_id for r in relations],
            "type": [RELATION_IDS[r.type] for r in relations]}


def strongest(values: list[str | None]) -> str | None:
    return next((v for v in WORTHINESS_ORDER if v in values), None)


def sentence_label(has_claim: bool, worthiness: str | None) -> int:
    """no_claim without claims; else the most check-worthy claim's value; -1 when every claim is unrated."""
    if not has_claim:
        return SENTENCE_LABEL_IDS["no_claim"]
    return -1 if worthiness is None else SENTENCE_LABEL_IDS[worthiness]


def add_record(record: Record, sentences: list[tuple[int, int]], span_columns: dict[str, Any],
               out: dict[str, Columns]) -> None:
    """The record's documents, sentences and claims rows (`span_columns`: spans_of its spans)."""
    prov, text, spans, relations = provenance(record), record.article.text, record.spans, record.relations
    starts = np.array([s for s, _ in sentences], np.int64)
    ends = np.array([e for _, e in sentences], np.int64)
    first = np.searchsorted(ends, [s.start for s in spans], "right").tolist()
    last = (np.searchsorted(starts, [s.end for s in spans], "left") - 1).tolist()
    ranges = list(zip(first, last))  # the sentences each span overlaps
    out["documents"].extend(
        1, **prov, content_hash=record.article.content_hash, **metadata(record), text=[text],
        spans=([len(spans)], span_columns),
        relations=([len(relations)], relations_of(relations)))
    inside: list[list[SpanRow]] = [[] for _ in sentences]
    for span, (lo, hi) in zip(spans, ranges):
        for i in range(lo, hi + 1):
            inside[i].append(span)
    labels = [{s.label for s in members} for members in inside]
    worthiness = [strongest([s.attributes.get("check_worthiness") for s in m if s.label == "CLAIM"]) for m in inside]
    has_claim = ["CLAIM" in ls for ls in labels]
    out["sentences"].extend(
        len(sentences), **prov, sentence_index=list(range(len(sentences))), start=starts.tolist(), end=ends.tolist(),
        text=[text[s:e] for s, e in sentences], label=list(map(sentence_label, has_claim, worthiness)),
        has_claim=has_claim, check_worthiness=[ATTRIBUTE_IDS["check_worthiness"][w] for w in worthiness],
        is_hedged=["HEDGE" in ls for ls in labels], has_source=["SOURCE" in ls for ls in labels],
        span_ids=([len(m) for m in inside], [s.id for m in inside for s in m]))
    add_claims(record, prov, sentences, ranges, out["claims"])


def add_tokens(records: Sequence[Record], sentences: list[list[tuple[int, int]]], out: Columns) -> int:
    """One row per sentence; returns how many spans do not fall on token boundaries. The texts of a chunk are
    tokenised and tagged as one (joined by line breaks, which no token holds), which saves numpy's per-call cost
    on every article; offsets are then made per article again. Tokens are cut at sentence ends, never at spans.
    A span running on into the next sentence starts that row with B-."""
    bases = np.cumsum([0] + [len(r.article.text) + 1 for r in records])
    text = "\n".join(r.article.text for r in records)
    spans = [(s.start + b, s.end + b, s.label) for r, b in zip(records, bases.tolist()) for s in r.spans]
    rows = [(s + b, e + b) for sents, b in zip(sentences, bases.tolist()) for s, e in sents]
    starts, ends = tokenize(text, [x for row in rows for x in row])
    bounds = np.searchsorted(starts, [s for s, _ in rows] + [len(text)], "left")
    opening = bounds[:-1][np.diff(bounds) > 0]

    def opened(tags: np.ndarray) -> np.ndarray:
        tags[opening] -= (tags[opening] > 0) & (tags[opening] % 2 == 0)  # I-X opening a row -> B-X
        return tags

    local = bases[np.searchsorted(bases, starts, "right") - 1]
    kept = slice(bounds[0], bounds[-1])  # every token lies in a row: rows cover all non-space text
    per_record = [len(sents) for sents in sentences]
    repeat = {name: [value for record, n in zip(records, per_record) for value in [value_of(record)] * n]
              for name, value_of in PROVENANCE_OF.items()}
    widths = np.diff(bounds)
    layers = {column: (widths, opened(layer_tags(starts, ends, spans, label))[kept])
              for label, column in LAYER_COLUMNS.items()}
    out.extend(len(rows), **repeat, sentence_index=[i for n in per_record for i in range(n)],
               tokens=(widths, token_strings(text, starts[kept], ends[kept])),
               ner_tags=(widths, opened(bio_tags(starts, ends, spans))[kept]), **layers,
               token_starts=(widths, (starts - local)[kept]), token_ends=(widths, (ends - local)[kept]))
    return misaligned(text, starts, ends, spans)


def add_claims(record: Record, prov: dict, sentences: list[tuple[int, int]], ranges: list[tuple[int, int]],
               out: Columns) -> None:
    spans, text = record.spans, record.article.text
    by_id = {s.id: s for s in spans}
    linked: dict[tuple[str, str], list[SpanRow]] = {}
    for r in sorted(record.relations, key=lambda r: (by_id[r.from_id].start, r.from_id)):
        linked.setdefault((r.to_id, r.type), []).append(by_id[r.from_id])
    claims = [(s, r) for s, r in zip(spans, ranges) if s.label == "CLAIM"]
    context = [(min(sentences[lo][0], s.start), max(sentences[hi][1], s.end)) if lo <= hi else (s.start, s.end)
               for s, (lo, hi) in claims]
    sources = [linked.get((s.id, "attributed_to"), []) for s, _ in claims]
    hedges = [linked.get((s.id, "qualifies"), []) for s, _ in claims]
    ids = ATTRIBUTE_IDS
    out.extend(
        len(claims), **prov, **metadata(record), claim_id=[s.id for s, _ in claims], text=[s.text for s, _ in claims],
        start=[s.start for s, _ in claims], end=[s.end for s, _ in claims],
        label=[CLAIM_LABEL_IDS[s.attributes.get("check_worthiness")] for s, _ in claims],
        check_worthiness=[ids["check_worthiness"][s.attributes.get("check_worthiness")] for s, _ in claims],
        claim_type=[ids["claim_type"][s.attributes.get("claim_type")] for s, _ in claims],
        sources=([len(x) for x in sources], {
            "id": [s.id for x in sources for s in x], "text": [s.text for x in sources for s in x],
            "source_type": [ids["source_type"][s.attributes.get("source_type")] for x in sources for s in x]}),
        hedges=([len(x) for x in hedges], {
            "id": [h.id for x in hedges for h in x], "text": [h.text for x in hedges for h in x],
            "hedge_strength": [ids["hedge_strength"][h.attributes.get("hedge_strength")] for x in hedges for h in x]}),
        context=[text[a:b] for a, b in context], context_start=[a for a, _ in context], context_end=[b for _, b in context])


def add_annotations(record: Record, span_columns: dict[str, Any], out: Columns) -> None:
    """Every submitted annotation of the record's task, the final one flagged: for disagreement-aware training.
    The final one's span columns are the documents' (`span_columns`), not made again."""
    notes = record.annotations
    if not notes:
        return
    parts = [span_columns if a.spans is record.spans else spans_of(a.spans) for a in notes]
    spans = parts[0] if len(parts) == 1 else {
        key: {name: [x for p in parts for x in p[key][name]] for name in value} if isinstance(value, dict)
        else [x for p in parts for x in p[key]] for key, value in parts[0].items()}
    relations = [x for a in notes for x in a.relations]
    out.extend(
        len(notes), **{name: value_of(record) for name, value_of in PROVENANCE_OF.items()
                       if name not in ("annotation_id", "annotator")},
        annotation_id=[a.annotation_id for a in notes], annotator=[a.annotator for a in notes],
        is_final=[a.annotation_id == record.annotation_id for a in notes], review=[REVIEW_IDS[a.review] for a in notes],
        ground_truth=[a.ground_truth for a in notes], lead_time=[a.lead_time for a in notes],
        created_at=[a.created_at for a in notes], updated_at=[a.updated_at for a in notes],
        spans=([len(a.spans) for a in notes], spans), relations=([len(a.relations) for a in notes], relations_of(relations)))


def columns(records: Sequence[Record]) -> tuple[dict[str, Columns], int]:
    """The rows of every config for `records`, in write order, and the number of spans off token boundaries."""
    out = {config: Columns(config) for config in FEATURES}
    sentences = [split_sentences(r.article.text) for r in records]
    for record, sents in zip(records, sentences):
        span_columns = spans_of(record.spans)
        add_record(record, sents, span_columns, out)
        add_annotations(record, span_columns, out["annotations"])
    off = sum(add_tokens(records[at:at + TOKENS_BATCH], sentences[at:at + TOKENS_BATCH], out["tokens"])
              for at in range(0, len(records), TOKENS_BATCH))
    return out, off
