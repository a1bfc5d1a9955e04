"""Span pairing between two annotations, per label, exact or overlapping.

`curation.evaluation.scores.match_spans` counts matches; agreement also needs
*which* spans matched (to compare their attributes), so this pairs them with the
same rule — spans in offset order, each taking the first unused overlapping span
of the other side — and the counts equal match_spans' (a test holds them equal).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from curation.evaluation.scores import PRF, overlaps
from curation.models import Span

MATCHES = ("exact", "overlap")


def pair_spans(ours: Sequence[Span], theirs: Sequence[Span], *, exact: bool) -> list[tuple[Span, Span]]:
    """Matched (ours, theirs) spans of the same label; each span is used at most once."""
    used: set[int] = set()
    others = sorted(theirs, key=lambda s: (s.start, s.end))
    matched = []
    for span in sorted(ours, key=lambda s: (s.start, s.end)):
        for j, other in enumerate(others):
            if j in used or other.label != span.label:
                continue
            if (other.start, other.end) == (span.start, span.end) if exact else overlaps((span.start, span.end), (other.start, other.end)):
                used.add(j)
                matched.append((span, other))
                break
    return matched


def label_counts(ours: Sequence[Span], theirs: Sequence[Span], label: str, *, exact: bool) -> PRF:
    """tp/fp/fn of `ours` against `theirs` for one label."""
    a = [s for s in ours if s.label == label]
    b = [s for s in theirs if s.label == label]
    tp = len(pair_spans(a, b, exact=exact))
    return PRF(tp, len(a) - tp, len(b) - tp)


def scored(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with precision, recall and f1 from its tp/fp/fn columns (scores.PRF's definitions)."""
    scores = [PRF(tp, fp, fn) for tp, fp, fn in frame.select("tp", "fp", "fn").iter_rows()]
    return frame.with_columns(
        pl.Series("precision", [s.precision for s in scores], dtype=pl.Float64),
        pl.Series("recall", [s.recall for s in scores], dtype=pl.Float64),
        pl.Series("f1", [s.f1 for s in scores], dtype=pl.Float64),
    )
