"""Token-level labels of several annotations of one text, as Krippendorff's value counts.

Tokens are export's (`curation.export.tokens`), cut at every annotator's span
boundaries so that each token is wholly inside or outside every span; a token
takes the label export would give it (the shortest covering span wins).
Whitespace is never a token, so it cannot inflate agreement on "O".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curation.export.tokens import bio_tags, tokenize
from curation.models import Span
from curation.schema import SCHEMA

CATEGORIES = ("O",) + SCHEMA.span_labels


def token_counts(text: str, annotations: Sequence[Sequence[Span]], only: str | None = None) -> np.ndarray:
    """tokens x categories: how many of the annotations put each token in each category.

    Categories are CATEGORIES (O and every label); with `only`, "not LABEL" / "LABEL", where a token
    counts as LABEL inside any span of that label, nested or not.
    """
    cuts = {offset for spans in annotations for s in spans for offset in (s.start, s.end)}
    starts, ends = tokenize(text, sorted(cuts))
    counts = np.zeros((len(starts), 2 if only else len(CATEGORIES)), np.int64)
    for spans in annotations:
        tags = bio_tags(starts, ends, [(s.start, s.end, s.label) for s in spans if only in (None, s.label)])
        category = (tags + 1) // 2  # O -> 0, B-/I- of SCHEMA label i -> 1 + i
        counts[np.arange(len(starts)), np.minimum(category, 1) if only else category] += 1
    return counts
