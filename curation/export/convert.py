"""`convert`: a dataset version in the formats other tools train on: spaCy DocBin, CoNLL-2003, Prodigy JSONL.

All three are written per split from the version's `documents` config, on the
version's own tokens (tokens.py, cut at sentence ends, never at labels), so
every format sees the same tokens as the `tokens` config:

- spaCy (`{split}.spacy`): a `DocBin` of `Doc`s built from those tokens (whitespace
  runs become whitespace tokens, as spaCy's tokenizer makes them, so `doc.text` is
  the article's text), one `doc.spans` group per label with every span, `doc.ents`
  holding the spans that overlap no other; attributes, relations and provenance go
  in `doc.user_data["curation"]`. Spans are made with `Doc.char_span` in strict
  mode; a span off token boundaries is expanded to whole tokens and counted.
- CoNLL-2003 (`{split}.conll`): `-DOCSTART- -X- O O`, then one line per token
  (`token -X- _ TAG`) with the flattened `ner_tags`, a blank line after each sentence.
  A flat format: nested spans keep only the inner one there (see tokens.py).
- Prodigy (`{split}.jsonl`): one task per article with `text`, `tokens`, `spans`
  (`start`, `end`, `label`, `token_start`, `token_end`), `meta` and `answer: accept`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from curation.atomic import atomic_writer
from curation.export import manifest as mf
from curation.export.features import ATTRIBUTE, RELATION_TYPE, SPAN_LABEL, SPLITS
from curation.export.layout import split_files
from curation.export.tokens import TAGS, bio_tags, misaligned, tokenize
from curation.preannotate.sentences import split_sentences

FORMATS = ("spacy", "conll", "prodigy")
SUFFIX = {"spacy": ".spacy", "conll": ".conll", "prodigy": ".jsonl"}
META = ("article_id", "task_id", "annotation_id", "annotator", "model_version", "schema_version", "title", "url",
        "publisher", "published")


@dataclass(frozen=True)
class Article:
    """A `documents` row, decoded: text, its tokens and sentences, spans (start, end, label), the rest as meta."""

    text: str
    starts: np.ndarray
    ends: np.ndarray
    sentences: list[tuple[int, int]]
    spans: list[dict[str, Any]]  # id, start, end, text, label (name), attributes (names, none left out)
    relations: list[dict[str, str]]
    meta: dict[str, Any]


@dataclass(frozen=True)
class Converted:
    files: dict[str, int]  # split -> articles written
    misaligned: int  # spans off token boundaries (spaCy: expanded to whole tokens)


def articles(version_dir: Path, split: str) -> Iterator[Article]:
    """The articles of a split, a row group at a time."""
    batches = (b for path in split_files(version_dir, "documents", split)
               for b in pq.ParquetFile(path).iter_batches(batch_size=200))
    for batch in batches:
        for row in batch.to_pylist():
            text = row["text"]
            sentences = split_sentences(text)
            starts, ends = tokenize(text, [x for s in sentences for x in s])
            spans = [{"id": s["id"], "start": s["start"], "end": s["end"], "text": s["text"],
                      "label": SPAN_LABEL.int2str(s["label"]),
                      "attributes": {k: ATTRIBUTE[k].int2str(v) for k, v in s["attributes"].items() if v}}
                     for s in row["spans"]]
            relations = [{"from": r["from"], "to": r["to"], "type": RELATION_TYPE.int2str(r["type"])}
                         for r in row["relations"]]
            yield Article(text, starts, ends, sentences, spans, relations, {k: row[k] for k in META})


def triples(article: Article) -> list[tuple[int, int, str]]:
    return [(s["start"], s["end"], s["label"]) for s in article.spans]


def spacy_doc(vocab: Any, article: Article) -> tuple[Any, int]:
    """The article as a spaCy Doc with its span groups and entities; also how many spans were expanded."""
    from spacy.tokens import Doc

    text, starts, ends = article.text, article.starts.tolist(), article.ends.tolist()
    words, spaces = [], []

    def whitespace(gap: str) -> None:
        if gap:
            words.append(gap)
            spaces.append(False)

    whitespace(text[:starts[0]] if starts else text)
    for i, (a, b) in enumerate(zip(starts, ends)):
        gap = text[b:starts[i + 1] if i + 1 < len(starts) else len(text)]
        words.append(text[a:b])
        spaces.append(gap.startswith(" "))
        whitespace(gap[1:] if gap.startswith(" ") else gap)
    doc = Doc(vocab, words=words, spaces=spaces)
    groups: dict[str, list[Any]] = {label: [] for label in SPAN_LABEL.names}
    made, expanded = [], 0
    for s in article.spans:
        span = doc.char_span(s["start"], s["end"], label=s["label"], alignment_mode="strict")
        if span is None:
            span = doc.char_span(s["start"], s["end"], label=s["label"], alignment_mode="expand")
            expanded += 1
        if span is None:  # whitespace only: nothing to hold
            continue
        groups[s["label"]].append(span)
        made.append(span)
    for label, spans in groups.items():
        doc.spans[label] = spans
    doc.ents = [s for s in made if not any(o is not s and o.start < s.end and s.start < o.end for o in made)]
    doc.user_data["curation"] = {**article.meta, "relations": article.relations,
                                 "spans": [{k: s[k] for k in ("id", "start", "end", "label", "attributes")}
                                           for s in article.spans]}
    return doc, expanded


def write_spacy(version_dir: Path, split: str, out: Path) -> tuple[int, int]:
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("en").vocab
    docs = DocBin(store_user_data=True)
    n = expanded = 0
    for article in articles(version_dir, split):
        doc, off = spacy_doc(vocab, article)
        docs.add(doc)
        n, expanded = n + 1, expanded + off
    if n:
        with atomic_writer(out, "wb", encoding=None) as handle:
            handle.write(docs.to_bytes())
    return n, expanded


def conll_lines(article: Article) -> Iterator[str]:
    tags = bio_tags(article.starts, article.ends, triples(article))
    bounds = np.searchsorted(article.starts, [s for s, _ in article.sentences] + [len(article.text)], "left")
    yield "-DOCSTART- -X- O O\n\n"  # as spaCy's reader (and every reader testing the prefix) expects
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if lo == hi:
            continue
        previous = None
        for k in range(lo, hi):
            tag = TAGS[tags[k]]
            if tag.startswith("I-") and previous is None:  # a span running on from the previous sentence
                tag = "B-" + tag[2:]
            previous = tag if tag != "O" else None
            yield f"{article.text[article.starts[k]:article.ends[k]]} -X- _ {tag}\n"
        yield "\n"


def prodigy_task(article: Article) -> dict[str, Any]:
    starts, ends = article.starts, article.ends
    tokens = [{"text": article.text[a:b], "start": a, "end": b, "id": i,
               "ws": i + 1 < len(starts) and bool(b < starts[i + 1])}
              for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist()))]
    spans = []
    for s in article.spans:
        inner = np.flatnonzero((starts < s["end"]) & (ends > s["start"]))
        spans.append({"start": s["start"], "end": s["end"], "label": s["label"], "id": s["id"],
                      **({"token_start": int(inner[0]), "token_end": int(inner[-1])} if len(inner) else {}),
                      **({"attributes": s["attributes"]} if s["attributes"] else {})})
    return {"text": article.text, "tokens": tokens, "spans": spans, "relations": article.relations,
            "meta": article.meta, "answer": "accept"}


def write_lines(version_dir: Path, split: str, out: Path, fmt: str) -> tuple[int, int]:
    n = off = 0
    with atomic_writer(out) as handle:
        for article in articles(version_dir, split):
            if fmt == "conll":
                handle.writelines(conll_lines(article))
            else:
                handle.write(json.dumps(prodigy_task(article), ensure_ascii=False) + "\n")
            n += 1
            off += misaligned(article.text, article.starts, article.ends, triples(article))
    if not n:
        out.unlink()
    return n, off


def convert(version_dir: Path, fmt: str, out_dir: Path) -> Converted:
    """Write `out_dir/{split}{suffix}` for every split with articles; ValueError for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    mf.read(version_dir)  # a version with a damaged manifest is refused (one line) before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    files, off = {}, 0
    for split in SPLITS:
        target = out_dir / f"{split}{SUFFIX[fmt]}"
        n, misplaced = (write_spacy(version_dir, split, target) if fmt == "spacy"
                        else write_lines(version_dir, split, target, fmt))
        if n:
            files[split] = n
        off += misplaced
    return Converted(files, off)
