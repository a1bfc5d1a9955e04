"""Chance-corrected agreement statistics.

Krippendorff's alpha comes from the maintained `krippendorff` package (checked in
the tests against Krippendorff's own worked example). Cohen's kappa is the
two-line textbook formula: the libraries that ship it (scikit-learn, statsmodels)
would bring scipy and more for it, so it is written here and tested against
published worked examples instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import krippendorff
import numpy as np


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of (first rater, second rater) labels; None when undefined (no items, or chance agreement 1)."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def nominal_alpha(value_counts: np.ndarray) -> float | None:
    """Krippendorff's alpha (nominal) of a units x values count matrix; None when undefined (fewer than two
    values, or no unit coded twice)."""
    pairable = value_counts[value_counts.sum(axis=1) >= 2]
    if not len(pairable) or np.count_nonzero(pairable.sum(axis=0)) < 2:
        return None
    return float(krippendorff.alpha(value_counts=pairable, level_of_measurement="nominal"))
