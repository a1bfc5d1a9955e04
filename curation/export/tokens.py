"""Tokens with exact code-point offsets, and BIO tags over CLAIM / HEDGE / SOURCE.

Tokens are runs of word characters (letters, digits, `_`), or single other
characters; combining marks, variation selectors, emoji modifiers and zero-width
joiners stay with the character before them, and a character after a joiner
joins too ("e\u0301" and "👨‍👩‍👧" are one token each). Whitespace is never part of a
token. Tokens are also cut at every span boundary (and any extra cut given, such
as sentence ends), so each span is a whole number of tokens and the tags round-trip
to the annotated offsets.

Overlaps: a token takes the label of the *shortest* span covering it (a HEDGE or
SOURCE inside a CLAIM wins over the CLAIM); between spans of equal length SOURCE
wins over HEDGE, HEDGE over CLAIM. A tag is B- when its token starts a run of the
winning span, so the tags after an inner span resume with B-CLAIM: every row is
valid BIO.

Work is vectorised over the code points (numpy), since an export tags millions
of tokens.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np

from curation.schema import SCHEMA

SPACE, WORD, OTHER, EXTEND = 0, 1, 2, 3
ZWJ = 0x200D
TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{label}" for label in SCHEMA.span_labels for p in ("B", "I"))
# Paint order for equal lengths: later in this tuple wins.
PRECEDENCE = ("CLAIM", "HEDGE", "SOURCE")
RANK = {label: i for i, label in enumerate(PRECEDENCE)}
LABEL_INDEX = {label: i for i, label in enumerate(SCHEMA.span_labels)}


@cache
def char_class(cp: int) -> int:
    char = chr(cp)
    if char.isspace():
        return SPACE
    if char.isalnum() or char == "_":
        return WORD
    category = unicodedata.category(char)
    if category[0] == "M" or cp == ZWJ or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F:
        return EXTEND
    return OTHER


_ASCII = np.array([char_class(cp) for cp in range(128)], dtype=np.int8)


def classes(cps: np.ndarray) -> np.ndarray:
    """The class of every code point: a table for ASCII, a cached lookup per distinct other one."""
    out = _ASCII[np.minimum(cps, 127)]
    wide = cps > 127
    if wide.any():
        distinct, inverse = np.unique(cps[wide], return_inverse=True)
        out[wide] = np.array([char_class(int(cp)) for cp in distinct], dtype=np.int8)[inverse]
    return out


def codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def tokenize(text: str, cuts: Iterable[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the tokens of `text`, also cut at every offset in `cuts`."""
    cps = codepoints(text)
    n = len(cps)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cls = classes(cps)
    # The class of the last non-extending character before each position (SPACE at the start).
    anchor = np.maximum.accumulate(np.where(cls == EXTEND, -1, np.arange(n)))
    prev_base = np.full(n, SPACE, np.int8)
    prev_base[1:] = np.where(anchor[:-1] >= 0, cls[np.maximum(anchor[:-1], 0)], SPACE)
    after_space = np.ones(n, bool)
    after_space[1:] = cls[:-1] == SPACE
    after_joiner = np.zeros(n, bool)
    after_joiner[1:] = cps[:-1] == ZWJ
    starts = after_space & (cls != SPACE)
    starts |= (cls == OTHER) & ~after_joiner
    starts |= (cls == WORD) & ~after_joiner & (prev_base != WORD)
    cut = np.fromiter((c for c in cuts if 0 <= c < n), np.int64)
    starts[cut] = True
    breaks = starts | (cls == SPACE)
    segment = np.cumsum(breaks)
    inside = np.flatnonzero(cls != SPACE)
    seg = segment[inside]
    first = np.ones(len(inside), bool)
    first[1:] = seg[1:] != seg[:-1]
    last_of = np.ones(len(inside), bool)
    last_of[:-1] = seg[1:] != seg[:-1]
    return inside[first], inside[last_of] + 1


def bio_tags(starts: np.ndarray, ends: np.ndarray, spans: Sequence[tuple[int, int, str]]) -> np.ndarray:
    """Tag ids (indices into TAGS) of the tokens for spans (start, end, label); see the module doc for overlaps.

    Tokens must not cross span boundaries (`tokenize` with the spans' offsets as cuts).
    """
    owner = np.full(len(starts), -1, np.int64)
    if spans:
        first = np.searchsorted(starts, [s for s, _, _ in spans], "left").tolist()
        stop = np.searchsorted(ends, [e for _, e, _ in spans], "right").tolist()
        order = sorted(range(len(spans)), key=lambda i: (spans[i][0] - spans[i][1], RANK[spans[i][2]]))
        for i in order:  # longest first, so shorter (inner) spans paint over them
            owner[first[i]:stop[i]] = i
    label_index = np.array([LABEL_INDEX[label] for _, _, label in spans] + [0], np.int64)
    tags = np.where(owner >= 0, 1 + 2 * label_index[owner], 0)
    continues = np.zeros(len(owner), bool)
    continues[1:] = (owner[1:] == owner[:-1]) & (owner[1:] >= 0)
    return tags + continues
