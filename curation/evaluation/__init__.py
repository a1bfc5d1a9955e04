"""Measuring a pre-annotator on the public development data (`curation evaluate`).

Development splits only: PolNeAR dev (SOURCE spans), CheckThat! 2024 dev (CLAIM
sentences), CoNLL-2010 Wikipedia train (HEDGE sentences). Held-out splits exist
and are used to judge the project, so nothing here is tuned per item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from curation.evaluation.corpora import checkthat, conll2010_wiki, polnear_sources
from curation.evaluation.scores import PRF, match_labels, match_spans
from curation.models import Article
from curation.preannotate import Preannotator


@dataclass(frozen=True)
class Row:
    corpus: str
    label: str
    match: str
    score: PRF
    items: int


def as_article(text: str, name: str) -> Article:
    return Article(article_id=name, content_hash=name, text=text, source_path=name)


def labelled_sentences(annotator: Preannotator, sentences: Iterable[tuple[str, bool]], label: str) -> tuple[PRF, int]:
    """Sentence-level P/R/F1: a sentence is positive when the annotator puts a `label` span in it.

    For CheckThat! that is the pre-annotator's own decision: it only emits a CLAIM for a sentence whose
    check-worthiness reaches its threshold (0.5), so no second threshold is applied here.
    """
    pairs = []
    for i, (text, gold) in enumerate(sentences):
        doc = annotator.annotate(as_article(text, f"s{i}"))
        pairs.append((any(s.label == label for s in doc.spans), gold))
    return match_labels(pairs), len(pairs)


def evaluate(root: Path, annotator: Preannotator) -> list[Row]:
    rows = []
    exact = overlap = PRF(0, 0, 0)
    articles = 0
    for name, text, gold in polnear_sources(root):
        doc = annotator.annotate(as_article(text, name))
        predicted = [(s.start, s.end) for s in doc.spans if s.label == "SOURCE"]
        exact += match_spans(predicted, gold, exact=True)
        overlap += match_spans(predicted, gold, exact=False)
        articles += 1
    rows += [Row("PolNeAR dev", "SOURCE", "exact", exact, articles), Row("PolNeAR dev", "SOURCE", "overlap", overlap, articles)]
    score, n = labelled_sentences(annotator, checkthat(root), "CLAIM")
    rows.append(Row("CheckThat! 2024 dev", "CLAIM", "sentence", score, n))
    score, n = labelled_sentences(annotator, conll2010_wiki(root), "HEDGE")
    rows.append(Row("CoNLL-2010 wiki train", "HEDGE", "sentence", score, n))
    return rows
