"""Train / validation / test by story, stable across versions.

The rule (recorded in every manifest as `split_rule`):
1. a story in the parent version keeps the parent's split (its new copies and revisions
   follow it), so no story ever moves between versions;
2. a new story goes where a stable hash of its `story_id` falls: sha256's first 8 bytes
   as a fraction of 2**64, against the cumulative ratios;
3. with `min_per_split` N, a split holding fewer than N stories takes new stories from
   the largest split (never below N itself), those whose hash falls closest to its own
   range first, so a small first dataset still has validation and test stories.

Every row of a story is in its story's split, so syndicated copies of one article can
never sit in train and test at once.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from curation.export.features import SPLITS

DEFAULT_RATIOS = (0.8, 0.1, 0.1)
RULE = ("by story: a story in the parent version keeps its split; a new story goes where sha256(story_id)'s first "
        "8 bytes, as a fraction of 2**64, fall against the cumulative ratios; with min_per_split N, a split with "
        "fewer than N stories takes new stories from the largest split (not below N), nearest hash first")


def parse_ratios(text: str) -> tuple[float, float, float]:
    """"0.8,0.1,0.1" -> ratios of train, validation, test; they must be >= 0 and sum to 1."""
    try:
        ratios = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"split ratios {text!r}: expected three numbers like 0.8,0.1,0.1") from None
    if len(ratios) != len(SPLITS) or min(ratios) < 0 or abs(sum(ratios) - 1) > 1e-9:
        raise ValueError(f"split ratios {text!r}: expected three non-negative numbers summing to 1")
    return ratios  # type: ignore[return-value]


def position(key: str) -> float:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def bounds(ratios: tuple[float, ...]) -> list[tuple[float, float]]:
    """Each split's [low, high) range of hash positions."""
    edges = [0.0]
    for ratio in ratios:
        edges.append(edges[-1] + ratio)
    return list(zip(edges, edges[1:]))


def split_of(key: str, ratios: tuple[float, ...]) -> str:
    x = position(key)
    for name, (_, high) in zip(SPLITS, bounds(ratios)):
        if x < high:
            return name
    return SPLITS[-1]


def distance(x: float, span: tuple[float, float]) -> float:
    low, high = span
    return 0.0 if low <= x < high else min(abs(x - low), abs(x - high))


def assign(stories: list[str], ratios: tuple[float, ...], inherited: dict[str, str] | None = None,
           min_per_split: int = 0) -> dict[str, str]:
    """story_id -> split for every story of a version, by the rule above."""
    inherited = inherited or {}
    splits = {s: inherited[s] if s in inherited else split_of(s, ratios) for s in sorted(set(stories))}
    if min_per_split <= 0:
        return splits
    spans = dict(zip(SPLITS, bounds(ratios)))
    counts = Counter(splits.values())
    for needy in SPLITS:
        while counts[needy] < min_per_split:
            donor = max(SPLITS, key=lambda s: (counts[s], -SPLITS.index(s)))
            movable = [s for s, where in splits.items() if where == donor and s not in inherited]
            if donor == needy or counts[donor] <= min_per_split or not movable:
                break
            chosen = min(movable, key=lambda s: (distance(position(s), spans[needy]), s))
            splits[chosen] = needy
            counts[donor] -= 1
            counts[needy] += 1
    return splits


def empty_splits(splits: dict[str, str]) -> list[str]:
    present = set(splits.values())
    return [s for s in SPLITS if s not in present]
