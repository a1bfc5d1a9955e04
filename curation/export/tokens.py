"""Tokens with exact code-point offsets, and BIO tags over CLAIM / HEDGE / SOURCE.

Tokens are runs of word characters (letters, digits, `_`), or single other
characters; combining marks, variation selectors, emoji modifiers and zero-width
joiners stay with the character before them, and a character after a joiner
joins too ("e\u0301" and "👨‍👩‍👧" are one token each). Whitespace is never part of a
token. The export cuts tokens at sentence ends only: the tokenisation never depends
on the labels, so a model sees at training time the boundaries it will see at
prediction time. Spans are projected onto the tokens: a span tags every token it
overlaps, and a span whose visible text does not start at a token start and end at
a token end is *misaligned* (`misaligned` counts them; the manifest and card report
the figure) — never silently moved.

Overlaps in the flattened `ner_tags`: a token takes the label of the *shortest* span
covering it (a HEDGE or SOURCE inside a CLAIM wins over the CLAIM); between spans of
equal length SOURCE wins over HEDGE, HEDGE over CLAIM. A tag is B- when its token
starts a run of the winning span, so the tags after an inner span resume with
B-CLAIM: every row is valid BIO. The per-label layers (`layer_tags`) keep nesting
faithful: a CLAIM with a HEDGE inside it is one B-CLAIM run in the CLAIM layer.

Work is vectorised over the code points (numpy), since an export tags millions
of tokens.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from curation.schema import SCHEMA

if TYPE_CHECKING:  # pyarrow only where Arrow arrays are made: training tokenises without it (~28 MB)
    import pyarrow as pa

SPACE, WORD, OTHER, EXTEND = 0, 1, 2, 3
ZWJ = 0x200D
TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{label}" for label in SCHEMA.span_labels for p in ("B", "I"))
LAYER_TAGS: dict[str, tuple[str, str, str]] = {label: ("O", f"B-{label}", f"I-{label}") for label in SCHEMA.span_labels}
# Paint order for equal lengths: later in this tuple wins.
PRECEDENCE = ("CLAIM", "HEDGE", "SOURCE")
RANK = {label: i for i, label in enumerate(PRECEDENCE)}
LABEL_INDEX = {label: i for i, label in enumerate(SCHEMA.span_labels)}
RANK_OF_INDEX = np.array([RANK[label] for label in SCHEMA.span_labels], np.int64)


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
    """The code points of `text`, a read-only view of its UTF-32 bytes (no copy: a chunk's texts are MBs)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def tokenize(text: str, cuts: Iterable[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the tokens of `text`, also cut at every offset in `cuts`."""
    cps = codepoints(text)
    n = len(cps)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cls = classes(cps)
    spaces = cls == SPACE
    prev_base = np.full(n, SPACE, np.int8)  # the class of the last non-extending character before each position
    after_joiner = np.zeros(n, bool)
    extending = cls == EXTEND
    if extending.any():  # rare outside emoji and combining accents: skip the scan for plain text
        anchor = np.maximum.accumulate(np.where(extending, -1, np.arange(n)))
        prev_base[1:] = np.where(anchor[:-1] >= 0, cls[np.maximum(anchor[:-1], 0)], SPACE)
        after_joiner[1:] = cps[:-1] == ZWJ
    else:
        prev_base[1:] = cls[:-1]
    starts = (cls == OTHER) & ~after_joiner
    starts |= (cls == WORD) & ~after_joiner & (prev_base != WORD)
    starts[1:] |= spaces[:-1]
    starts[0] = True
    cut = np.asarray(cuts if isinstance(cuts, (np.ndarray, list)) else list(cuts), np.int64)
    starts[cut[(cut >= 0) & (cut < n)]] = True
    breaks = starts | spaces  # a token runs from a non-space break to the next break
    last = np.ones(n, bool)
    last[:-1] = breaks[1:]
    return np.flatnonzero(breaks & ~spaces), np.flatnonzero(last & ~spaces) + 1


def all_tags(starts: np.ndarray, ends: np.ndarray,
             spans: Sequence[tuple[int, int, str]]) -> tuple[np.ndarray, dict[str, np.ndarray], int]:
    """The flattened tags (indices into TAGS; see the module doc for overlaps), one layer per label (indices into
    LAYER_TAGS[label]) and the number of misaligned spans, in one pass over the spans: the flattened row and the
    layers are painted together, each span into the flattened row and into its label's layer.

    A span covers every token it overlaps (tokens cut at its boundaries are exactly its own)."""
    return paint(starts, ends, np.array([(s, e) for s, e, _ in spans], np.int64).reshape(-1, 2),
                 np.array([LABEL_INDEX[label] for _, _, label in spans], np.int64))


def paint(starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray,
          label_index: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray], int]:
    """all_tags for spans given as arrays: (start, end) rows and indices into SCHEMA.span_labels (an export has
    them as arrays already: Python tuples for millions of spans would cost more than the tagging)."""
    n, layers = len(starts), len(SCHEMA.span_labels)
    painted = np.full((1 + layers) * n, -1, np.int64)  # rows: flattened, then one per label
    first = np.searchsorted(ends, bounds[:, 0], "right")  # the first token ending after the span's start
    stop = np.searchsorted(starts, bounds[:, 1], "left")  # past the last token starting before its end
    # Paint order: longest first, then by precedence; a token's owner is the span painted last over it.
    order = np.lexsort((RANK_OF_INDEX[label_index], bounds[:, 0] - bounds[:, 1]))
    counts = np.maximum(stop - first, 0)[order]
    covered = np.repeat(first[order] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    rank = np.repeat(np.arange(len(order)), counts)
    layer = np.repeat(1 + label_index[order], counts) * n
    np.maximum.at(painted, np.concatenate([covered, covered + layer]), np.concatenate([rank, rank]))
    owner = np.where(painted >= 0, order[np.maximum(painted, 0)] if len(order) else 0, -1).reshape(1 + layers, n)
    continues = np.zeros(owner.shape, bool)
    continues[:, 1:] = (owner[:, 1:] == owner[:, :-1]) & (owner[:, 1:] >= 0)
    owned = (owner >= 0).astype(np.int64)
    flat = np.where(owned[0] > 0, 1 + 2 * label_index[np.maximum(owner[0], 0)] if len(order) else 0, 0) + continues[0]
    per_label = {label: owned[1 + i] + continues[1 + i] for i, label in enumerate(SCHEMA.span_labels)}
    some = stop > first
    at_first, at_last = np.minimum(first, max(n - 1, 0)), np.maximum(stop - 1, 0)
    aligned = some & (starts[at_first] >= bounds[:, 0]) & (ends[at_last] <= bounds[:, 1]) if n else some
    return flat, per_label, int((~aligned).sum())


def bio_tags(starts: np.ndarray, ends: np.ndarray, spans: Sequence[tuple[int, int, str]]) -> np.ndarray:
    """The flattened tags of all_tags."""
    return all_tags(starts, ends, spans)[0]


def layer_tags(starts: np.ndarray, ends: np.ndarray, spans: Sequence[tuple[int, int, str]], label: str) -> np.ndarray:
    """Tag ids (indices into LAYER_TAGS[label]) of the tokens for the spans of one label only."""
    return all_tags(starts, ends, spans)[1][label]


def misaligned(text: str, starts: np.ndarray, ends: np.ndarray, spans: Sequence[tuple[int, int, str]]) -> int:
    """How many spans do not fall on token boundaries: a token they overlap runs past their start or end (their
    visible text, whitespace aside, is not whole tokens), or they overlap no token (whitespace only)."""
    return all_tags(starts, ends, spans)[2]


def token_strings(text: str, starts: np.ndarray, ends: np.ndarray) -> pa.StringArray:
    """`[text[a:b] for a, b in zip(starts, ends)]` for sorted, non-overlapping ranges (tokens) as an
    Arrow array: the tokens' bytes are the text's UTF-8 bytes with those outside every token masked out (numpy, in
    byte space).
    An export has millions of tokens, and a Python string for each costs more than tokenising."""
    import pyarrow as pa

    raw = text.encode("utf-8")
    if len(raw) != len(text):  # not ASCII: to byte offsets (a code point starts at each byte not 10xxxxxx)
        at = np.append(np.flatnonzero((np.frombuffer(raw, np.uint8) & 0xC0) != 0x80), len(raw))
        starts, ends = at[starts], at[ends]
    edges = np.zeros(len(raw) + 1, np.int8)
    edges[starts] = 1
    edges[ends] -= 1  # a token ending where the next starts: 0, still inside
    # disjoint ranges: the running sum is 0 or 1, so one byte per text byte holds it (a chunk's text is MBs)
    inside = np.cumsum(edges[:-1], dtype=np.int8).view(np.bool_)
    offsets = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int32)
    data = np.frombuffer(raw, np.uint8)[inside]
    return pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(data))
