"""Records -> one Arrow table per config (documents, sentences, tokens, claims, annotations).

Rows are ordered by article id, then position in the text, and carry no clock
value, so the same records always give the same bytes. Columns are filled
column-wise (flat lists plus list lengths) and assembled into nested Arrow arrays
at the end: building millions of small dicts would dominate an export. Each config
is laid out for a whole chunk of records at once (numpy over the chunk's spans and
sentences, Arrow `take` for the columns repeated per row), not record by record: the
per-call cost of numpy and Arrow would otherwise be paid per article. Sentences come
from the rules pre-annotator's splitter (exact offsets, news abbreviations); a span
belongs to every sentence it overlaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from curation.export.features import (ATTRIBUTE, ATTRIBUTES, CLAIM_LABEL, FEATURES, LAYER_COLUMNS, RELATION_TYPE,
                                      REVIEW, SENTENCE_LABEL, SPAN_LABEL)
from curation.export.parse import RelationRow, SpanRow
from curation.export.source import Record
from curation.export.tokens import paint, token_strings, tokenize
from curation.preannotate.sentences import split_sentences

# check_worthiness of a sentence: its most check-worthy claim's value.
WORTHINESS_ORDER = ("check_worthy", "unsure", "not_check_worthy")
# Characters of articles tokenised as one text: enough to spread numpy's per-call cost over many articles, few
# enough that its arrays stay below the size glibc maps on its own (memory.map_big_blocks), whose every page would
# be faulted in again batch after batch (50 articles at a time: 180,000 page faults per 10,000 articles).
TOKENS_BATCH = 120_000
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
        if len(self.parts) == 1:  # concat_arrays would copy it
            return self.parts[0]
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

    def extend(self, value: dict[str, Any] | pa.StructArray, n: int) -> None:
        if isinstance(value, pa.StructArray):  # ready rows (flatten: the fields as the rows see them)
            for child, array in zip(self.fields.values(), value.flatten()):
                child.extend(array, n)
            return
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


class Batches:
    """Rows of one config laid out batch by batch, each batch its own Columns: the table's columns are the batches'
    arrays as chunks, not copied into one (the `tokens` of a chunk are ~40 MB)."""

    def __init__(self, config: str) -> None:
        self.config, self.batches = config, []

    def batch(self) -> Columns:
        self.batches.append(Columns(self.config))
        return self.batches[-1]

    def table(self) -> pa.Table:
        return pa.concat_tables([batch.table() for batch in self.batches] or [Columns(self.config).table()])


PROVENANCE_OF: dict[str, Callable[[Record], Any]] = {
    "article_id": lambda r: r.article.article_id, "story_id": lambda r: r.article.story_id,
    "task_id": lambda r: r.task_id,
    "annotation_id": lambda r: r.annotation_id, "annotator": lambda r: r.annotator,
    "model_version": lambda r: r.model_version, "schema_version": lambda r: r.schema_version,
}
SPAN_TYPE = SCHEMAS["documents"].field("spans").type.value_type
# A sentence's check_worthiness from its claims: the strongest value by WORTHINESS_ORDER (0: none rated).
RANKED = (None, *reversed(WORTHINESS_ORDER))  # rank -> value
SENTENCE_LABEL_OF_RANK = np.array([-1] + [SENTENCE_LABEL_IDS[v] for v in RANKED[1:]], np.int64)
WORTHINESS_ID_OF_RANK = np.array([ATTRIBUTE_IDS["check_worthiness"][v] for v in RANKED], np.int64)
RANK_OF_WORTHINESS_ID = np.argsort(WORTHINESS_ID_OF_RANK)  # its inverse (only CLAIMs have the attribute)
CLAIM, HEDGE, SOURCE = (SPAN_IDS[label] for label in ("CLAIM", "HEDGE", "SOURCE"))
# A claim's label (CLAIM_LABEL id, -1 unrated) by its check_worthiness attribute id.
CLAIM_LABEL_OF_WORTHINESS = np.array([CLAIM_LABEL_IDS[v] for v in sorted(ATTRIBUTE_IDS["check_worthiness"],
                                                                         key=ATTRIBUTE_IDS["check_worthiness"].get)],
                                     np.int64)
CLAIM_LINKS = ("attributed_to", "qualifies")  # relations to a claim: its sources, its hedges


def repeated(records: Sequence[Record], rows: np.ndarray, names: Sequence[str] = tuple(PROVENANCE_OF)) -> dict[str, pa.Array]:
    """Provenance columns for rows that each belong to a record (`rows`: the record index of every row)."""
    at = pa.array(rows, pa.int64())
    return {name: pa.array([PROVENANCE_OF[name](r) for r in records], SCHEMAS["documents"].field(name).type).take(at)
            for name in names}


def metadata(record: Record) -> dict[str, Any]:
    a = record.article
    return {"title": a.title, "byline": a.byline, "published": a.published.isoformat() if a.published else None,
            "url": a.url, "publisher": a.publisher}


def spans_of(spans: Sequence[SpanRow]) -> dict[str, Any]:
    """Column-wise span structs."""
    ids, starts, ends, texts, labels, attributes = (list(field) for field in zip(*spans)) if spans else ([],) * 6
    return {"id": ids, "start": starts, "end": ends, "text": texts, "label": [SPAN_IDS[label] for label in labels],
            "attributes": {name: [ATTRIBUTE_IDS[name][a.get(name)] for a in attributes] for name in ATTRIBUTES}}


def span_array(spans: Sequence[SpanRow]) -> pa.StructArray:
    flat = Structs(SPAN_TYPE)
    flat.extend(spans_of(spans), len(spans))
    return flat.array()


def relations_of(relations: Sequence[RelationRow]) -> dict[str, Any]:
    return {"from": [r.from_id for r in relations], "to": [r.to_id for r in relations],
            "type": [RELATION_IDS[r.type] for r in relations]}


def ranges_of(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`concatenate([arange(a, a + n) for a, n in zip(starts, lengths)])`, without a Python loop."""
    lengths = np.asarray(lengths, np.int64)
    return np.repeat(np.asarray(starts, np.int64) - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())


def add_documents(records: Sequence[Record], spans: pa.StructArray, counts: np.ndarray, out: Columns) -> None:
    """One row per record; `spans`: every record's spans in order (`counts` per record), built once for the chunk."""
    metas = [metadata(r) for r in records]
    relations = [x for r in records for x in r.relations]
    out.extend(len(records), **{name: [value_of(r) for r in records] for name, value_of in PROVENANCE_OF.items()},
               content_hash=[r.article.content_hash for r in records],
               **{key: [m[key] for m in metas] for key in metas[0]} if metas else {},
               text=[r.article.text for r in records], spans=(counts, spans),
               relations=([len(r.relations) for r in records], relations_of(relations)))


@dataclass(frozen=True)
class Sentences:
    """A chunk's sentences, all records end to end: offsets in each record's text and the record of each."""

    starts: np.ndarray
    ends: np.ndarray
    record: np.ndarray  # record index of every sentence
    first: np.ndarray  # index of every record's first sentence (and the total at the end)

    @classmethod
    def of(cls, sentences: Sequence[list[tuple[int, int]]]) -> Sentences:
        flat = np.array([x for sents in sentences for pair in sents for x in pair], np.int64).reshape(-1, 2)
        counts = np.array([len(sents) for sents in sentences], np.int64)
        return cls(flat[:, 0], flat[:, 1], np.repeat(np.arange(len(counts)), counts),
                   np.concatenate([[0], np.cumsum(counts)]))


def add_sentences(records: Sequence[Record], sents: Sentences, bases: np.ndarray, text: str,
                  field: dict[str, pa.Array], bounds: np.ndarray, labels: np.ndarray, counts: np.ndarray,
                  out: Columns) -> np.ndarray:
    """One row per sentence, for the whole chunk at once (`text`: the records' texts joined, record i at
    `bases[i]`; `field`: the fields of the chunk's span array, with their (start, end) `bounds` and label ids,
    `counts` per record). A span belongs to every sentence it overlaps. Returns the (first, last) sentence each span
    overlaps, by chunk index (last < first: none)."""
    at = np.repeat(bases[:-1], counts)
    starts, ends = sents.starts + bases[sents.record], sents.ends + bases[sents.record]
    first = np.searchsorted(ends, bounds[:, 0] + at, "right")
    last = np.searchsorted(starts, bounds[:, 1] + at, "left") - 1
    overlaps = np.maximum(last - first + 1, 0)
    member = np.repeat(np.arange(len(bounds)), overlaps)  # (sentence, span) pairs, by sentence, then span order
    sentence = ranges_of(first, overlaps)
    order = np.argsort(sentence, kind="stable")
    member, sentence = member[order], sentence[order]
    label = labels[member]
    rank = RANK_OF_WORTHINESS_ID[fields_of(field["attributes"])["check_worthiness"].to_numpy()][member]
    n = len(starts)

    def has(kind: int) -> np.ndarray:
        return np.bincount(sentence[label == kind], minlength=n) > 0

    best = np.zeros(n, np.int64)
    np.maximum.at(best, sentence, rank)
    has_claim = has(CLAIM)
    # sliced in Python: a few per article, and whole-chunk arrays over every byte of the text cost more (page faults)
    texts = pa.array([text[a:b] for a, b in zip(starts.tolist(), ends.tolist())], pa.string())
    out.extend(
        n, **repeated(records, sents.record), sentence_index=np.arange(n) - sents.first[sents.record],
        start=sents.starts, end=sents.ends, text=texts,
        label=np.where(has_claim, SENTENCE_LABEL_OF_RANK[best], SENTENCE_LABEL_IDS["no_claim"]),
        has_claim=has_claim, check_worthiness=WORTHINESS_ID_OF_RANK[best], is_hedged=has(HEDGE), has_source=has(SOURCE),
        span_ids=(np.bincount(sentence, minlength=n), field["id"].take(member)))
    return np.stack([first, last], axis=1)


def add_tokens(records: Sequence[Record], sentences: list[list[tuple[int, int]]], span_bounds: np.ndarray,
               labels: np.ndarray, out: Columns) -> int:
    """One row per sentence; returns how many spans do not fall on token boundaries (`span_bounds`: the records'
    spans' (start, end) rows, `labels` their label ids). The texts of a chunk are
    tokenised and tagged as one (joined by line breaks, which no token holds), which saves numpy's per-call cost
    on every article; offsets are then made per article again. Tokens are cut at sentence ends, never at spans.
    A span running on into the next sentence starts that row with B-."""
    bases = np.cumsum([0] + [len(r.article.text) + 1 for r in records])
    text = "\n".join(r.article.text for r in records)
    rows = [(s + b, e + b) for sents, b in zip(sentences, bases.tolist()) for s, e in sents]
    starts, ends = tokenize(text, [x for row in rows for x in row])
    bounds = np.searchsorted(starts, [s for s, _ in rows] + [len(text)], "left")
    opening = bounds[:-1][np.diff(bounds) > 0]

    def opened(tags: np.ndarray) -> np.ndarray:
        tags[opening] -= (tags[opening] > 0) & (tags[opening] % 2 == 0)  # I-X opening a row -> B-X
        return tags

    local = bases[np.searchsorted(bases, starts, "right") - 1]
    kept = slice(bounds[0], bounds[-1])  # every token lies in a row: rows cover all non-space text
    per_record = np.array([len(sents) for sents in sentences], np.int64)
    row_of = np.repeat(np.arange(len(records)), per_record)
    widths = np.diff(bounds)
    at = np.repeat(bases[:-1], [len(r.spans) for r in records])[:, None]
    flat, per_label, off = paint(starts, ends, span_bounds + at, labels)
    layers = {column: (widths, opened(per_label[label])[kept]) for label, column in LAYER_COLUMNS.items()}
    out.extend(len(rows), **repeated(records, row_of),
               sentence_index=np.arange(len(rows)) - np.repeat(np.cumsum(per_record) - per_record, per_record),
               tokens=(widths, token_strings(text, starts[kept], ends[kept])),
               ner_tags=(widths, opened(flat)[kept]), **layers,
               token_starts=(widths, (starts - local)[kept]), token_ends=(widths, (ends - local)[kept]))
    return off


def fields_of(array: pa.StructArray) -> dict[str, pa.Array]:
    return dict(zip((f.name for f in array.type), array.flatten()))


def add_claims(records: Sequence[Record], spans: pa.StructArray, bounds: np.ndarray, labels: np.ndarray,
               counts: np.ndarray, sents: Sentences, ranges: np.ndarray, text: str, bases: np.ndarray,
               out: Columns) -> None:
    """One row per CLAIM, for the whole chunk at once: the claims' fields, sources and hedges are taken from the
    chunk's span array (`spans`, with their (start, end) `bounds` and label ids, `counts` per record; `ranges`: the
    (first, last) sentence of every span, by chunk index, as add_sentences gives), the context from the sentences
    it overlaps (`text`: the records' texts joined, record i at `bases[i]`). A claim's sources and hedges are the
    spans related to it by `attributed_to` and `qualifies`, in text order."""
    claims = np.flatnonzero(labels == CLAIM)
    claim = fields_of(spans.take(claims))
    attributes = fields_of(claim["attributes"])
    owner = np.repeat(np.arange(len(records)), counts)[claims]
    start, end = bounds[claims, 0], bounds[claims, 1]
    first, last = ranges[claims, 0], ranges[claims, 1]
    some = first <= last  # a span overlapping no sentence (whitespace between them) is its own context
    starts, ends = np.append(sents.starts, 0), np.append(sents.ends, 0)  # a last entry for indices of no sentence
    context_start = np.where(some, np.minimum(starts[first], start), start)
    context_end = np.where(some, np.maximum(ends[last], end), end)
    at = bases[owner]
    metas = [metadata(r) for r in records]
    rows = pa.array(owner, pa.int64())
    related_to, linked = related(records, counts, bounds[:, 0], claims), {}
    for column, kind, attribute in (("sources", "attributed_to", "source_type"), ("hedges", "qualifies", "hedge_strength")):
        lengths, members = related_to[kind]
        member = fields_of(spans.take(members))
        linked[column] = (lengths, {"id": member["id"], "text": member["text"],
                                    attribute: fields_of(member["attributes"])[attribute]})
    out.extend(
        len(claims), **repeated(records, owner),
        **{key: pa.array([m[key] for m in metas], pa.string()).take(rows) for key in metas[0]} if metas else {},
        claim_id=claim["id"], text=claim["text"], start=start, end=end,
        label=CLAIM_LABEL_OF_WORTHINESS[attributes["check_worthiness"].to_numpy()],
        check_worthiness=attributes["check_worthiness"], claim_type=attributes["claim_type"], **linked,
        context=[text[a:b] for a, b in zip((context_start + at).tolist(), (context_end + at).tolist())],
        context_start=context_start, context_end=context_end)


def related(records: Sequence[Record], counts: np.ndarray, starts: np.ndarray,
            claims: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For `attributed_to` and `qualifies`: each claim's number of spans so related to it and those spans, all
    claims' end to end (chunk indices, claim by claim, each claim's by their start, then id). Both end at a CLAIM
    (parse.read_result checks every relation's labels)."""
    found: dict[str, list[tuple[int, int, str, int]]] = {kind: [] for kind in CLAIM_LINKS}
    base = 0
    for record, n in zip(records, counts.tolist()):
        index = {s.id: base + i for i, s in enumerate(record.spans)}
        for r in record.relations:
            if r.type in found:
                source = index[r.from_id]
                found[r.type].append((index[r.to_id], int(starts[source]), r.from_id, source))
        base += n
    out = {}
    for kind, pairs in found.items():
        pairs.sort()
        position = np.searchsorted(claims, np.array([p[0] for p in pairs], np.int64))
        out[kind] = (np.bincount(position, minlength=len(claims)), np.array([p[3] for p in pairs], np.int64))
    return out


def add_annotations(records: Sequence[Record], spans: pa.StructArray, counts: np.ndarray, out: Columns) -> None:
    """Every submitted annotation of each record's task, the final one flagged: for disagreement-aware training.
    The final one's spans are taken from the documents' span array (`spans`, `counts` per record), not made
    again; the others' are appended after it."""
    notes = [(i, a) for i, r in enumerate(records) for a in r.annotations]
    if not notes:
        return
    offsets = np.concatenate([[0], np.cumsum(counts)])
    others: list[SpanRow] = []
    starts = []
    for i, a in notes:
        if a.spans is records[i].spans:
            starts.append(offsets[i])
        else:
            starts.append(len(spans) + len(others))
            others.extend(a.spans)
    lengths = np.array([len(a.spans) for _, a in notes], np.int64)
    index = ranges_of(starts, lengths)
    flat = pa.concat_arrays([spans, span_array(others)]) if others else spans
    if len(index) != len(flat) or (index != np.arange(len(flat))).any():
        flat = flat.take(pa.array(index))
    mine = np.array([i for i, _ in notes], np.int64)
    relations = [x for _, a in notes for x in a.relations]
    out.extend(
        len(notes), **repeated(records, mine, [name for name in PROVENANCE_OF if name not in ("annotation_id", "annotator")]),
        annotation_id=[a.annotation_id for _, a in notes], annotator=[a.annotator for _, a in notes],
        is_final=[a.annotation_id == records[i].annotation_id for i, a in notes],
        review=[REVIEW_IDS[a.review] for _, a in notes], ground_truth=[a.ground_truth for _, a in notes],
        lead_time=[a.lead_time for _, a in notes], created_at=[a.created_at for _, a in notes],
        updated_at=[a.updated_at for _, a in notes], spans=(lengths, flat),
        relations=([len(a.relations) for _, a in notes], relations_of(relations)))


def columns(records: Sequence[Record]) -> tuple[dict[str, Columns | Batches], int]:
    """The rows of every config for `records`, in write order, and the number of spans off token boundaries."""
    out: dict[str, Columns | Batches] = {config: Columns(config) for config in FEATURES}
    out["tokens"] = tokens = Batches("tokens")
    sentences = [split_sentences(r.article.text) for r in records]
    spans = span_array([s for r in records for s in r.spans])
    counts = np.array([len(r.spans) for r in records], np.int64)
    add_documents(records, spans, counts, out["documents"])
    sents = Sentences.of(sentences)
    bases = np.cumsum([0] + [len(r.article.text) + 1 for r in records])
    text = "\n".join(r.article.text for r in records)
    field = fields_of(spans)
    bounds = np.stack([field["start"].to_numpy(), field["end"].to_numpy()], axis=1)
    labels = field["label"].to_numpy()
    ranges = add_sentences(records, sents, bases, text, field, bounds, labels, counts, out["sentences"])
    add_claims(records, spans, bounds, labels, counts, sents, ranges, text, bases, out["claims"])
    add_annotations(records, spans, counts, out["annotations"])
    first, off = np.concatenate([[0], np.cumsum(counts)]), 0  # each record's first span
    for a, b in batched([len(r.article.text) for r in records], TOKENS_BATCH):
        off += add_tokens(records[a:b], sentences[a:b], bounds[first[a]:first[b]], labels[first[a]:first[b]],
                          tokens.batch())
    return out, off


def batched(sizes: Sequence[int], most: int) -> list[tuple[int, int]]:
    """Consecutive (start, stop) index ranges whose sizes add up to at most `most` (or that hold one item)."""
    ranges, start, total = [], 0, 0
    for i, size in enumerate(sizes):
        if i > start and total + size > most:
            ranges.append((start, i))
            start, total = i, 0
        total += size
    return ranges + ([(start, len(sizes))] if len(sizes) > start else [])
