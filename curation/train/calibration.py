"""Scores that mean what they say: isotonic calibration of held-aside (out-of-fold) scores, and its check.

A region scored 0.8 should be right about 80% of the time. The calibration map is
fitted on out-of-fold scores (never on a model's own training predictions) and
stored as the isotonic regression's breakpoints, applied with `numpy.interp`. The
reliability table is cross-fitted so that it flatters nothing: the out-of-fold scores
are halved by group, a map fitted on each half calibrates the other, and the table
bins those scores against how often they were right.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BINS = 10
# Without held-aside scores to fit on, a model's own probability is used as it is (said so on the card).
LOGISTIC = {"kind": "logistic"}  # decision values -> probability
IDENTITY = {"kind": "identity"}  # already a probability (a CRF marginal)


def fit(scores: Sequence[float], outcomes: Sequence[bool], fallback: dict = LOGISTIC) -> dict:
    """Breakpoints of the isotonic map from raw scores to P(right); `fallback` when outcomes are all alike."""
    from sklearn.isotonic import IsotonicRegression

    if len(set(outcomes)) < 2:
        return fallback
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(np.asarray(scores, float), outcomes)
    return {"kind": "isotonic", "x": [round(float(v), 6) for v in iso.X_thresholds_], "y": [round(float(v), 6) for v in iso.y_thresholds_]}


def apply(mapping: dict, scores) -> np.ndarray:
    """Calibrated scores in [0, 1]."""
    if mapping["kind"] == "logistic":
        return 1.0 / (1.0 + np.exp(-np.asarray(scores, float)))
    if mapping["kind"] == "identity":
        return np.clip(np.asarray(scores, float), 0.0, 1.0)
    return np.clip(np.interp(np.asarray(scores, float), mapping["x"], mapping["y"]), 0.0, 1.0)


def reliability(probabilities: Sequence[float], outcomes: Sequence[bool]) -> list[dict]:
    """Per score bin: how many, their mean score, and the share that was right."""
    p, y = np.asarray(probabilities, float), np.asarray(outcomes, bool)
    rows = []
    for b in range(BINS):
        low, high = b / BINS, (b + 1) / BINS
        inside = (p >= low) & ((p < high) if b < BINS - 1 else (p <= high))
        if inside.any():
            rows.append({"bin": f"{low:.1f}-{high:.1f}", "n": int(inside.sum()),
                         "mean_score": round(float(p[inside].mean()), 3), "right": round(float(y[inside].mean()), 3)})
    return rows


def expected_calibration_error(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float:
    rows = reliability(probabilities, outcomes)
    total = sum(r["n"] for r in rows) or 1
    return round(sum(r["n"] * abs(r["mean_score"] - r["right"]) for r in rows) / total, 4)


def cross_fitted(scores: Sequence[float], outcomes: Sequence[bool], groups: Sequence[str], seed: int,
                 fallback: dict = LOGISTIC) -> np.ndarray:
    """Each score calibrated by a map fitted on the other half of the groups (for an honest reliability table)."""
    scores, outcomes = np.asarray(scores, float), np.asarray(outcomes, bool)
    names = sorted(set(groups))
    half = set(np.random.default_rng(seed).permutation(len(names))[: len(names) // 2].tolist())
    first = np.array([names.index(g) in half for g in groups]) if len(groups) else np.zeros(0, bool)
    out = np.zeros(len(scores))
    for side in (first, ~first):
        if side.any():
            out[side] = apply(fit(scores[~side], outcomes[~side], fallback), scores[side])
    return out
