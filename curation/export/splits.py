"""Train / validation / test by a stable hash of `article_id`.

The split depends on nothing but the id and the ratios, so an article never
crosses splits and never moves between versions exported with the same ratios
(each version records its ratios; the next one inherits them).
"""

from __future__ import annotations

import hashlib

from curation.export.features import SPLITS

DEFAULT_RATIOS = (0.8, 0.1, 0.1)


def parse_ratios(text: str) -> tuple[float, float, float]:
    """"0.8,0.1,0.1" -> ratios of train, validation, test; they must be >= 0 and sum to 1."""
    try:
        ratios = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"split ratios {text!r}: expected three numbers like 0.8,0.1,0.1") from None
    if len(ratios) != len(SPLITS) or min(ratios) < 0 or abs(sum(ratios) - 1) > 1e-9:
        raise ValueError(f"split ratios {text!r}: expected three non-negative numbers summing to 1")
    return ratios  # type: ignore[return-value]


def split_of(article_id: str, ratios: tuple[float, ...]) -> str:
    position = int.from_bytes(hashlib.sha256(article_id.encode()).digest()[:8], "big") / 2**64
    bound = 0.0
    for name, ratio in zip(SPLITS, ratios):
        bound += ratio
        if position < bound:
            return name
    return SPLITS[-1]
