"""Readers of the public development data in ../shared/benchmarks (read in place, never copied).

Each reader yields (text, gold) pairs; texts keep the corpus's own characters so
gold offsets stay valid.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}", "``": '"', "''": '"'}
_PTB_RE = re.compile("|".join(re.escape(k) for k in _PTB))


def polnear_sources(root: Path, split: str = "dev") -> Iterator[tuple[str, str, list[tuple[int, int]]]]:
    """(article name, text, gold Source spans) using the lowest annotator id of each article."""
    for article, text, spans in polnear_spans(root, split):
        yield article, text, spans.get("Source", [])


def polnear_spans(root: Path, split: str = "dev") -> Iterator[tuple[str, str, dict[str, list[tuple[int, int]]]]]:
    """(article name, text, spans by brat type: Source, Cue, Content, ...) from the lowest annotator id of each
    article; a discontinuous span gives one span per piece."""
    folder = root / "polnear" / split
    by_article: dict[str, Path] = {}
    for ann in sorted((folder / "attributions").glob("*.ann")):
        article = ann.stem.rsplit("_", 1)[0]
        by_article.setdefault(article, ann)
    for article, ann in sorted(by_article.items()):
        text = (folder / "text" / f"{article}.txt").read_text(encoding="utf-8")
        spans: dict[str, list[tuple[int, int]]] = {}
        for line in ann.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 2 and parts[0].startswith("T") and " " in parts[1]:
                kind, offsets = parts[1].split(" ", 1)
                for piece in offsets.split(";"):
                    start, end = piece.split()
                    spans.setdefault(kind, []).append((int(start), int(end)))
        yield article, text, spans


def unquote(field: str) -> str:
    """Undo CSV quoting by hand: the TSV must be read with QUOTE_NONE, yet some fields are quoted."""
    if len(field) >= 2 and field[0] == field[-1] == '"':
        return field[1:-1].replace('""', '"')
    return field


def checkthat(root: Path, split: str = "dev") -> Iterator[tuple[str, bool]]:
    """(sentence, check-worthy) from CLEF CheckThat! 2024 Task 1 English."""
    for _, text, label in checkthat_rows(root, split):
        yield text, label


def checkthat_rows(root: Path, split: str = "dev") -> Iterator[tuple[int, str, bool]]:
    """(sentence id, sentence, check-worthy); ids run in debate order, which is all the corpus says of debates."""
    path = root / "checkthat2024" / f"CT24_checkworthy_english_{split}.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            yield int(row["Sentence_id"]), unquote(row["Text"].strip()), row["class_label"].strip() == "Yes"


def conll2010_wiki(root: Path) -> Iterator[tuple[str, bool]]:
    """(sentence, uncertain) from CoNLL-2010 Task 1 Wikipedia, PTB escapes undone."""
    with (root / "conll2010-wiki" / "train.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = _PTB_RE.sub(lambda m: _PTB[m.group(0)], row["text"]).strip()
            yield text, row["label"].strip() == "1"
