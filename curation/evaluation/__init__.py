"""Measuring a pre-annotator on the public development data (`curation evaluate`).

Development splits only: PolNeAR dev (SOURCE spans), CheckThat! 2024 dev (CLAIM
sentences), CoNLL-2010 Wikipedia train (HEDGE sentences). Held-out splits exist
and are used to judge the project, so nothing here is tuned per item.

A trained model is scored on the same rows, except where it was trained on the
corpus itself (CoNLL-2010 Wikipedia has only a training split): there its row is
its cross-validated (out-of-fold) figure from its card, marked as such.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from curation.evaluation.corpora import checkthat, conll2010_wiki, polnear_sources
from curation.evaluation.scores import PRF, match_labels, match_spans
from curation.models import Article
from curation.preannotate import Preannotator

POLNEAR, CHECKTHAT, CONLL = "PolNeAR dev", "CheckThat! 2024 dev", "CoNLL-2010 wiki train"
# Corpora whose evaluation split is not a training split, and where that split lies under the benchmarks folder.
DEVELOPMENT_SPLITS = {POLNEAR: "polnear/dev", CHECKTHAT: "checkthat2024/CT24_checkworthy_english_dev.tsv"}


@dataclass(frozen=True)
class Row:
    corpus: str
    label: str
    match: str
    score: PRF
    items: int
    model_version: str = ""
    how: str = "scored"  # or "cross-validated": out-of-fold figures from the model card

    def as_dict(self) -> dict:
        return {"model_version": self.model_version, "corpus": self.corpus, "label": self.label, "match": self.match,
                "precision": self.score.precision, "recall": self.score.recall, "f1": self.score.f1,
                "tp": self.score.tp, "fp": self.score.fp, "fn": self.score.fn, "n": self.items, "how": self.how}


def as_article(text: str, name: str) -> Article:
    return Article(article_id=name, content_hash=name, text=text, source_path=name)


def labelled_sentences(annotator: Preannotator, sentences: Iterable[tuple[str, bool]], label: str) -> tuple[PRF, int]:
    """Sentence-level P/R/F1: a sentence is positive when the annotator puts a `label` span in it.

    For CheckThat! that is the pre-annotator's own decision: it only emits a CLAIM for a sentence whose
    check-worthiness reaches its threshold, so no second threshold is applied here.
    """
    pairs = []
    for i, (text, gold) in enumerate(sentences):
        doc = annotator.annotate(as_article(text, f"s{i}"))
        pairs.append((any(s.label == label for s in doc.spans), gold))
    return match_labels(pairs), len(pairs)


def polnear_rows(root: Path, annotator: Preannotator) -> list[Row]:
    exact = overlap = PRF(0, 0, 0)
    articles = 0
    for name, text, gold in polnear_sources(root):
        doc = annotator.annotate(as_article(text, name))
        predicted = [(s.start, s.end) for s in doc.spans if s.label == "SOURCE"]
        exact += match_spans(predicted, gold, exact=True)
        overlap += match_spans(predicted, gold, exact=False)
        articles += 1
    return [Row(POLNEAR, "SOURCE", "exact", exact, articles), Row(POLNEAR, "SOURCE", "overlap", overlap, articles)]


def checkthat_rows(root: Path, annotator: Preannotator) -> list[Row]:
    score, n = labelled_sentences(annotator, checkthat(root), "CLAIM")
    return [Row(CHECKTHAT, "CLAIM", "sentence", score, n)]


def conll_rows(root: Path, annotator: Preannotator) -> list[Row]:
    score, n = labelled_sentences(annotator, conll2010_wiki(root), "HEDGE")
    return [Row(CONLL, "HEDGE", "sentence", score, n)]


SCORERS: dict[str, Callable[[Path, Preannotator], list[Row]]] = {
    POLNEAR: polnear_rows, CHECKTHAT: checkthat_rows, CONLL: conll_rows}


def evaluate(root: Path, annotator: Preannotator, corpora: Iterable[str] = tuple(SCORERS)) -> list[Row]:
    """Rows of `annotator` on each corpus named in `corpora`."""
    version = getattr(annotator, "model_version", "")
    return [Row(r.corpus, r.label, r.match, r.score, r.items, version) for c in corpora for r in SCORERS[c](root, annotator)]
