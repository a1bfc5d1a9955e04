"""The statistics and matching behind `curation agreement`, checked against published worked examples."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from curation.evaluation.scores import match_spans
from curation.models import Span
from curation.quality.matching import label_counts, pair_spans
from curation.quality.stats import cohen_kappa, nominal_alpha
from curation.quality.tokens import token_counts

NAN = math.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: nominal data, 4 observers,
# 12 units, missing values; the paper works it out to alpha = 0.743 (and 0.849 for the interval metric).
RELIABILITY = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def test_krippendorff_package_reproduces_the_published_worked_example():
    assert round(krippendorff.alpha(reliability_data=RELIABILITY, level_of_measurement="nominal"), 3) == 0.743
    assert round(krippendorff.alpha(reliability_data=RELIABILITY, level_of_measurement="interval"), 3) == 0.849


def test_nominal_alpha_from_value_counts_gives_the_published_value():
    # The same data as units x values counts (how agreement feeds it), built by hand from the columns above.
    values = [1, 2, 3, 4, 5]
    counts = np.array([[sum(row[u] == v for row in RELIABILITY) for v in values] for u in range(12)])
    assert counts[0].tolist() == [3, 0, 0, 0, 0] and counts[5].tolist() == [1, 1, 1, 1, 0]
    assert nominal_alpha(counts) == pytest.approx(0.743421, abs=1e-6)


def test_nominal_alpha_is_undefined_without_variation_or_pairable_units():
    assert nominal_alpha(np.array([[2, 0], [3, 0]])) is None  # one value only
    assert nominal_alpha(np.array([[1, 0], [0, 1]])) is None  # no unit coded twice
    assert nominal_alpha(np.array([[2, 0], [0, 2]])) == 1.0


@pytest.mark.parametrize("yes_yes, yes_no, no_yes, no_no, expected", [
    (20, 5, 10, 15, 0.4),  # Wikipedia "Cohen's kappa", worked example: po = 0.7, pe = 0.5
    (45, 15, 25, 15, 0.1304),  # ibid., "same percentages but different numbers": pe = 0.54
    (25, 35, 5, 35, 0.2593),  # ibid.: pe = 0.46
])
def test_cohen_kappa_matches_published_examples(yes_yes, yes_no, no_yes, no_no, expected):
    pairs = [("yes", "yes")] * yes_yes + [("yes", "no")] * yes_no + [("no", "yes")] * no_yes + [("no", "no")] * no_no
    assert cohen_kappa(pairs) == pytest.approx(expected, abs=1e-4)


def test_cohen_kappa_edge_cases():
    assert cohen_kappa([]) is None
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None  # chance agreement is 1: kappa undefined
    assert cohen_kappa([("a", "a"), ("b", "b")]) == 1.0
    assert cohen_kappa([("a", "b"), ("b", "a")]) == -1.0


def spans_of(offsets: list[tuple[int, int]], label: str = "CLAIM") -> list[Span]:
    text = "x" * 60
    return [Span(id=f"{label}{i}", start=s, end=e, text=text[s:e], label=label) for i, (s, e) in enumerate(offsets)]


offsets = st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10)).map(lambda t: (t[0], t[0] + t[1])), unique=True, max_size=8)


@given(offsets, offsets)
def test_pairing_counts_equal_the_evaluation_scorer(ours, theirs):
    for exact in (True, False):
        counts = label_counts(spans_of(ours), spans_of(theirs), "CLAIM", exact=exact)
        assert counts == match_spans(ours, theirs, exact=exact)


def test_pairing_keeps_labels_apart_and_uses_each_span_once():
    claim, source = spans_of([(0, 10)]), spans_of([(0, 10)], "SOURCE")
    assert pair_spans(claim, source, exact=False) == []
    pairs = pair_spans(spans_of([(0, 5), (3, 8)]), spans_of([(4, 6)]), exact=False)
    assert [(a.start, b.start) for a, b in pairs] == [(0, 4)]


def test_token_counts_cut_at_every_boundary_and_let_the_inner_span_win():
    text = "Officials said it will probably rain."
    claim = Span(id="c", start=15, end=36, text=text[15:36], label="CLAIM")
    hedge = Span(id="h", start=23, end=31, text="probably", label="HEDGE")
    part = Span(id="p", start=0, end=4, text="Offi", label="SOURCE")  # inside a word: the word is cut
    counts = token_counts(text, [[claim, hedge], [part]])
    # tokens: Offi | cials | said | it | will | probably | rain | .   categories O, CLAIM, HEDGE, SOURCE
    assert counts.tolist() == [[1, 0, 0, 1], [2, 0, 0, 0], [2, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0],
                               [1, 0, 1, 0], [1, 1, 0, 0], [2, 0, 0, 0]]
    assert token_counts(text, [[claim, hedge], [part]], only="CLAIM")[:, 1].tolist() == [0, 0, 0, 1, 1, 1, 1, 0]
