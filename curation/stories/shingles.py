"""Word shingles of an article's text, as a sorted array of stable 64-bit hashes.

Words are lower-cased runs of letters, digits and underscores (what `\\w` matches), so
punctuation, case and line breaks (house style, re-wrapping) do not count as edits. A
shingle is `size` consecutive words. Everything is computed on the text's code points in
numpy, with no Python loop per word: each word's hash is a polynomial hash of its code
points (from prefix sums), mixed; a shingle's hash is a mixed combination of its words'
hashes. The hashes are stable across runs and machines (unlike Python's `hash`), since the
story registry stores signatures made from them. Distinct shingles of natural text share
a hash with probability ~2**-64, so the similarity of two hash sets is that of the
shingle sets. For one article numpy's cost per call is most of the cost, so `shingle_all`
shingles many texts in one pass, each exactly as alone (tests/test_stories.py checks the
hashes against their definition worked out a word at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

# Odd multipliers, one per position in a shingle (fixed: signatures made from them are stored).
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5,
                         0x85EBCA77C2B2AE63, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0xD6E8FEB86659FD93],
                        dtype=np.uint64)
MAX_SIZE = len(_MULTIPLIERS)
_BASE = 0x100000001B3  # odd, so invertible modulo 2**64
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_powers = np.ones(1, dtype=np.uint64)
_inverse = np.ones(1, dtype=np.uint64)


def _grow(n: int) -> None:
    """Powers of _BASE and of its inverse modulo 2**64, for positions 0..n."""
    global _powers, _inverse
    if len(_powers) > n:
        return
    size = max(n + 1, 2 * len(_powers))
    with np.errstate(over="ignore"):
        _powers = np.cumprod(np.concatenate([np.ones(1, np.uint64), np.full(size - 1, _BASE, np.uint64)]),
                             dtype=np.uint64)
        _inverse = np.cumprod(np.concatenate([np.ones(1, np.uint64),
                                              np.full(size - 1, pow(_BASE, -1, 1 << 64), np.uint64)]), dtype=np.uint64)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit (MinHash reads the high half).
    Array arithmetic wraps modulo 2**64 silently (only scalar arithmetic warns)."""
    h = h ^ (h >> _S30)
    h = h * _M1
    h = h ^ (h >> _S27)
    h = h * _M2
    return h ^ (h >> _S31)


class Words(NamedTuple):
    """The hash of every word of a text, in order, and where each paragraph's words start."""

    hashes: np.ndarray
    paragraph_starts: list[int]  # index into `hashes` of each paragraph's first word


def _ascii_word(points: np.ndarray) -> np.ndarray:
    """Which code points are ASCII word characters (digits, letters, `_`), by comparisons (unsigned: what is below a
    range wraps above it), which cost less than looking each up."""
    return ((points - 48) < 10) | ((points | 32) - 97 < 26) | (points == 95)


def _code_points(lowered: str) -> tuple[np.ndarray, np.ndarray]:
    """The text's code points and which of them are word characters. ASCII text (the usual case) is read one
    byte per character; the hashes do not depend on the path taken."""
    if lowered.isascii():
        points = np.frombuffer(lowered.encode("ascii"), dtype=np.uint8)
        return points, _ascii_word(points)
    points = np.frombuffer(lowered.encode("utf-32-le"), dtype=np.uint32)
    word = _ascii_word(points)
    wide = np.flatnonzero(points >= 128)
    word[wide] = [chr(c).isalnum() for c in points[wide].tolist()]
    return points, word


class Shingled(NamedTuple):
    """A text's words, and the hashes of its shingles in word order (shingle i starts at word i)."""

    words: Words
    ordered: np.ndarray


def shingle_all(texts: Sequence[str], size: int) -> list[Shingled]:
    """Every text's words and shingles, each exactly as for the text alone, worked out in one pass over all of them
    (joined by spaces): for an article, numpy's cost per call is most of the cost, and here it is paid once."""
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"shingle size {size}: expected 1 to {MAX_SIZE} words")
    lowered = [text.lower() for text in texts]
    offsets = np.cumsum([0] + [len(text) + 1 for text in lowered])  # each text, and the space after it
    points, word = _code_points(" ".join(lowered) + " ")
    n = len(points)
    padded = np.zeros(n + 2, dtype=bool)
    padded[1:-1] = word
    bounds = np.flatnonzero(padded[1:] != padded[:-1])  # word starts and ends, alternating
    starts, ends = bounds[0::2], bounds[1::2]
    _grow(n)
    prefix = np.empty(n + 1, dtype=np.uint64)  # filled in place: a temporary of this size costs page faults per call
    prefix[0] = 0
    np.cumsum(np.multiply(points, _powers[:n], out=prefix[1:]), out=prefix[1:])
    hashes = _mix((prefix.take(ends) - prefix.take(starts)) * _inverse.take(starts) + (ends - starts).astype(np.uint64))
    newline = points == 10
    breaks = np.flatnonzero(newline[:-1] & newline[1:])  # never at a joining space
    paragraphs = np.searchsorted(starts, breaks + 2).tolist()  # the word after each break (few: ints cost less)
    ordered = _in_order(hashes, size)  # shingles across two texts are in no text's slice
    first_word, first_break = np.searchsorted(starts, offsets).tolist(), np.searchsorted(breaks, offsets).tolist()
    found = []
    for k in range(len(texts)):
        w0, w1 = first_word[k], first_word[k + 1]
        words = Words(hashes[w0:w1], [0] + [p - w0 for p in paragraphs[first_break[k]:first_break[k + 1]]])
        found.append(Shingled(words, ordered[w0:w1 - size + 1] if w1 - w0 >= size else _in_order(words.hashes, size)))
    return found


def _in_order(hashed: np.ndarray, size: int) -> np.ndarray:
    """The hashes of the `size`-word shingles of a word-hash sequence, shingle i starting at word i (fewer words:
    one shingle of them all)."""
    if hashed.size == 0:
        return hashed
    n = max(hashed.size - size + 1, 1)
    combined = hashed[:n] * _MULTIPLIERS[0]
    for i in range(1, min(size, hashed.size)):
        combined += hashed[i:i + n] * _MULTIPLIERS[i]
    return _mix(combined)


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique without its generality, which costs more than the sort here)."""
    values = np.sort(values)
    keep = np.empty(values.size, dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def shingles(text: str, size: int) -> np.ndarray:
    """Sorted, distinct hashes of the text's `size`-word shingles."""
    return distinct(shingle_all([text], size)[0].ordered)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted, distinct hash arrays (two empty texts are identical)."""
    if a.size == 0 and b.size == 0:
        return 1.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)
