"""Precision / recall / F1 for span and sentence-level comparisons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Offsets = tuple[int, int]


@dataclass(frozen=True)
class PRF:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def overlaps(a: Offsets, b: Offsets) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def match_spans(predicted: Iterable[Offsets], gold: Iterable[Offsets], *, exact: bool) -> PRF:
    """Span P/R/F1; with overlap matching each gold span is matched at most once."""
    pred, gold = sorted(set(predicted)), sorted(set(gold))
    if exact:
        tp = len(set(pred) & set(gold))
        return PRF(tp, len(pred) - tp, len(gold) - tp)
    used: set[Offsets] = set()
    tp = 0
    for p in pred:
        hit = next((g for g in gold if g not in used and overlaps(p, g)), None)
        if hit is not None:
            used.add(hit)
            tp += 1
    return PRF(tp, len(pred) - tp, len(gold) - tp)


def match_labels(pairs: Iterable[tuple[bool, bool]]) -> PRF:
    """P/R/F1 of the positive class from (predicted, gold) booleans."""
    tp = fp = fn = 0
    for predicted, gold in pairs:
        tp += predicted and gold
        fp += predicted and not gold
        fn += gold and not predicted
    return PRF(tp, fp, fn)
