"""Sentence decisions (CLAIM: check-worthy; HEDGE: hedged) by logistic regression over hashed n-grams.

The logistic loss is minimised by scikit-learn's SGDClassifier (fixed epochs, seeded): on
CheckThat! it matched liblinear's F1 at 1/25 of the time (see the note of issue 11).
Selection by grouped cross-validation on the training data: the regularisation
strength (alpha) and whether the rules' words are features, scored by the F1 of the
positive class at the best threshold of the out-of-fold scores; then those
out-of-fold scores are calibrated (isotonic), the decision threshold is the one
that maximises out-of-fold F1 of the calibrated scores, and the final model is fitted
on everything. Whether OR-ing the rules' own decision in helps is measured on the
same out-of-fold predictions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from curation.evaluation.scores import match_labels
from curation.train import calibration
from curation.train.errors import DataError
from curation.train.features import matrix
from curation.train.folds import folds

# (rules' words as features, alpha); those without the rules' words first: one matrix in memory at a time
GRID = ((False, 1e-5), (False, 1e-4), (True, 1e-5), (True, 1e-4), (True, 2e-4), (True, 3e-4))
EPOCHS = 20
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.01), 2)


@dataclass
class SentenceSet:
    """Sentences of one label: text, gold decision, group for CV, the rules' words and decision."""

    texts: list[str] = field(default_factory=list)
    labels: list[bool] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    rule_texts: list[str] = field(default_factory=list)
    _matrix: tuple[bool, Any] | None = field(default=None, repr=False)

    def add(self, text: str, label: bool, group: str) -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.groups.append(group)

    def rule_decisions(self, label: str) -> np.ndarray:
        return np.array([f"R:{label}" in r.split() for r in self.rule_texts])

    def features(self, use_rules: bool):
        """The feature matrix, with or without the rules' words; only the last one asked for is kept (memory)."""
        if self._matrix is None or self._matrix[0] != use_rules:
            self._matrix = None
            self._matrix = (use_rules, matrix(self.texts, self.rule_texts if use_rules else None))
        return self._matrix[1]

    def release(self) -> None:
        self._matrix = None


@dataclass(frozen=True)
class SentenceModel:
    coef: np.ndarray  # float32, one weight per hashed feature
    params: dict  # intercept, use_rules, alpha, threshold, calibration, combine_with_rules


def prf(pred: np.ndarray, gold: np.ndarray) -> dict:
    s = match_labels(zip(pred.tolist(), gold.tolist()))
    return {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4),
            "tp": s.tp, "fp": s.fp, "fn": s.fn}


def best_threshold(scores: np.ndarray, gold: np.ndarray, grid: Sequence[float]) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of `scores >= threshold`; ties go to the lower threshold."""
    best = (float(grid[0]), -1.0)
    for t in grid:
        f1 = prf(scores >= t, gold)["f1"]
        if f1 > best[1]:
            best = (float(t), f1)
    return best


def _fit(X, y: np.ndarray, alpha: float, seed: int):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=EPOCHS, tol=None, random_state=seed).fit(X, y)


def out_of_fold(X, y: np.ndarray, groups: Sequence[str], alpha: float, seed: int) -> np.ndarray | None:
    """Decision values of every sentence from a model that did not see its group; None without 2 groups."""
    scores = np.zeros(len(y))
    splits = list(folds(groups, seed))
    if not splits:
        return None
    for train, test in splits:
        if len(set(y[train].tolist())) < 2:
            return None
        scores[test] = _fit(X[train], y[train], alpha, seed).decision_function(X[test])
    return scores


def train(data: SentenceSet, label: str, seed: int, say: Callable[[str], None]) -> tuple[SentenceModel, dict]:
    """The model and its card section (selection grid, CV figures against the rules, reliability)."""
    y = np.array(data.labels, bool)
    if len(set(y.tolist())) < 2:
        raise DataError(f"{label}: the training data has only {'positive' if y.any() else 'negative'} sentences")
    rules = data.rule_decisions(label)
    grid = []
    for use_rules, alpha in GRID:
        say(f"{label}: cross-validating alpha={alpha:g}{' with the rules as features' if use_rules else ''}")
        oof = out_of_fold(data.features(use_rules), y, data.groups, alpha, seed)
        if oof is None:
            break
        _, f1 = best_threshold(oof, y, np.quantile(oof, np.linspace(0.01, 0.99, 99)))
        grid.append({"use_rules": use_rules, "alpha": alpha, "cv_f1": f1, "oof": oof})
    section: dict = {"sentences": len(y), "positive": int(y.sum()), "groups": len(set(data.groups)),
                     "rules_on_training_data": prf(rules, y)}
    if grid:
        chosen = max(grid, key=lambda g: (g["cv_f1"], -grid.index(g)))
        use_rules, alpha = chosen["use_rules"], chosen["alpha"]
        mapping = calibration.fit(chosen["oof"], y)
        probability = calibration.apply(mapping, chosen["oof"])
        threshold, _ = best_threshold(probability, y, THRESHOLDS)
        alone, with_rules = probability >= threshold, (probability >= threshold) | rules
        combine = prf(with_rules, y)["f1"] > prf(alone, y)["f1"]
        section |= {
            "selection": [{k: v for k, v in g.items() if k != "oof"} for g in grid],
            "cross_validation": {"folds": min(5, len(set(data.groups))), "grouped_by": "group",
                                 "model": prf(with_rules if combine else alone, y), "model_alone": prf(alone, y),
                                 "model_or_rules": prf(with_rules, y), "rules": prf(rules, y)},
            **reliability_section(chosen["oof"], y, data.groups, seed),
        }
    else:  # too few groups to cross-validate: defaults, said so on the card
        use_rules, alpha, threshold, combine = True, 1e-4, 0.5, False
        mapping = None
        section["selection"] = "not cross-validated: fewer than 2 groups (articles) with both decisions"
    say(f"{label}: fitting alpha={alpha:g} on {len(y)} sentences")
    final = _fit(data.features(use_rules), y, alpha, seed)
    data.release()
    if mapping is None:  # no held-aside scores: the model's own (logistic) probability, uncalibrated
        mapping = calibration.LOGISTIC
    params = {"intercept": round(float(final.intercept_[0]), 8), "use_rules": use_rules, "alpha": alpha,
              "threshold": threshold, "combine_with_rules": combine, "calibration": mapping}
    return SentenceModel(final.coef_[0].astype(np.float32), params), section


def reliability_section(scores, outcomes, groups, seed: int, fallback: dict = calibration.LOGISTIC) -> dict:
    """The reliability table of cross-fitted calibrated out-of-fold scores, and its expected calibration error."""
    held_aside = calibration.cross_fitted(scores, outcomes, groups, seed, fallback)
    return {"reliability": calibration.reliability(held_aside, outcomes),
            "expected_calibration_error": calibration.expected_calibration_error(held_aside, outcomes),
            "reliability_is": "out-of-fold scores, each calibrated by a map fitted on the other half of the groups"}
