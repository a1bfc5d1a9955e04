"""What the models see of a sentence: hashed word and character n-grams, and what the rules said of it.

Hashing (scikit-learn's `HashingVectorizer`) keeps the features stateless: a model
is its coefficient array and nothing else, stored as plain `.npy`, never a pickle.
The rules' view of a sentence (a CLAIM it scores check-worthy, its hedge cues and
their strength, a SOURCE frame) is given as extra words, so the linear model learns
how far to trust each rule signal; whether that helps is measured by cross-validation
(`model.json`, `selection`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from itertools import accumulate

import numpy as np

from curation.models import Article, Span
from curation.preannotate.rules import RulePreannotator

N_FEATURES = 2**20


@cache
def _vectorizers() -> tuple:
    from sklearn.feature_extraction.text import HashingVectorizer

    common = dict(n_features=N_FEATURES, alternate_sign=False, binary=True, norm="l2", dtype=np.float32)
    return (
        HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b|[^\w\s]", **common),
        HashingVectorizer(analyzer="char_wb", ngram_range=(3, 6), **common),  # 3-6 over 2-5: CV, the note of issue 11
        HashingVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False, **common),
    )


def rule_words(spans: Iterable[Span]) -> str:
    """The rules' regions of a sentence as words: 'R:CLAIM R:CLAIM:check_worthy R:HEDGE R:HEDGE:may ...'."""
    words = []
    for span in spans:
        words.append(f"R:{span.label}")
        words += [f"R:{span.label}:{value}" for value in span.attributes.values()]
        if span.label == "HEDGE":
            words.append("R:HEDGE:" + span.text.lower().replace(" ", "_"))
    return " ".join(words) or "R:none"


def rules_view(texts: Sequence[str], chunk: int = 200) -> list[str]:
    """`rule_words` of each text taken as a paragraph of its own (training sentences come without articles).

    The rules run over `chunk` texts at a time joined by line breaks (each ends a sentence for the rules'
    splitter; line breaks inside a text become spaces), which is many times faster than one call per text.
    """
    from bisect import bisect_right

    rules = RulePreannotator()
    out = []
    for first in range(0, len(texts), chunk):
        part = [t.replace("\n", " ").replace("\r", " ") for t in texts[first:first + chunk]]
        starts = list(accumulate((len(t) + 1 for t in part[:-1]), initial=0))
        joined = "\n".join(part)
        doc = rules.annotate(Article(article_id=f"c{first}", content_hash="-", text=joined, source_path="-"))
        found: list[list[Span]] = [[] for _ in part]
        for span in doc.spans:
            k = bisect_right(starts, span.start) - 1
            if span.end <= starts[k] + len(part[k]):
                found[k].append(span)
        out += [rule_words(spans) for spans in found]
    return out


def blocks(texts: Sequence[str], rule_texts: Sequence[str] | None) -> list:
    """The feature blocks (CSR) of sentences: word n-grams, character n-grams and, with `rule_texts`, the rules'
    words; a model's score is the sum of each block's product with its part of the weights."""
    from sklearn import config_context

    word, char, rule = _vectorizers()
    with config_context(skip_parameter_validation=True):  # our own fixed parameters; a prediction hashes per article
        out = [word.transform(texts), char.transform(texts)]
        if rule_texts is not None:
            out.append(rule.transform(rule_texts))
    return out


def matrix(texts: Sequence[str], rule_texts: Sequence[str] | None, chunk: int = 2000):
    """The feature matrix (CSR) of sentences: their `blocks` side by side.

    Hashed `chunk` sentences at a time: the vectorizer's intermediate arrays for all of CheckThat! train at once
    cost more memory than the matrix itself; the rows are the same either way."""
    from scipy.sparse import hstack, vstack

    parts = []
    for first in range(0, max(len(texts), 1), chunk):
        rules = rule_texts[first:first + chunk] if rule_texts is not None else None
        parts.append(hstack(blocks(texts[first:first + chunk], rules), format="csr"))
    return parts[0] if len(parts) == 1 else vstack(parts, format="csr")
