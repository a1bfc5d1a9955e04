"""Cross-validation folds by group (debate block, Wikipedia chunk, article), shuffled by the seed.

Sentences of one debate or article never sit on both sides of a split, so the
figures say what carries to new debates and new articles.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

FOLDS = 5


def folds(groups: Sequence[str], seed: int, k: int = FOLDS) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(train indices, test indices) of up to `k` folds; nothing when there are fewer than 2 groups."""
    names = sorted(set(groups))
    k = min(k, len(names))
    if k < 2:
        return
    order = np.random.default_rng(seed).permutation(len(names))
    fold_of = {names[j]: i % k for i, j in enumerate(order)}
    assigned = np.array([fold_of[g] for g in groups])
    for f in range(k):
        yield np.flatnonzero(assigned != f), np.flatnonzero(assigned == f)
