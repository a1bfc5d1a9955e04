"""Word shingles of an article's text, as a sorted array of stable 64-bit hashes.

Words are lower-cased runs of letters and digits, so punctuation, case and line
breaks (house style, re-wrapping) do not count as edits. A shingle is `size`
consecutive words. Each word is hashed once (blake2b, stable across runs and
machines, unlike Python's `hash`), and a shingle's hash is a mixed linear
combination of its words' hashes, computed for all shingles at once in numpy.
Two distinct shingles share a hash with probability ~2**-64, so the Jaccard
similarity of two hash sets is the Jaccard similarity of the shingle sets.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

_WORD = re.compile(r"\w+")
_MASK = (1 << 64) - 1
# Odd multipliers, one per position in a shingle (fixed: hashes are stored in the story registry).
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5,
                         0x85EBCA77C2B2AE63, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0xD6E8FEB86659FD93],
                        dtype=np.uint64)
MAX_SIZE = len(_MULTIPLIERS)
_CACHE_LIMIT = 1_000_000


class WordHashes:
    """word -> its 64-bit hash, memoised (news vocabulary repeats; bounded so a long run stays flat)."""

    def __init__(self) -> None:
        self.known: dict[str, int] = {}

    def __call__(self, words: list[str]) -> np.ndarray:
        known = self.known
        if len(known) > _CACHE_LIMIT:
            known.clear()
        out = []
        for word in words:
            h = known.get(word)
            if h is None:
                h = known[word] = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            out.append(h)
        return np.array(out, dtype=np.uint64)


_word_hashes = WordHashes()


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(text: str, size: int) -> np.ndarray:
    """Sorted, distinct hashes of the text's `size`-word shingles (a text shorter than `size` words is one shingle)."""
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"shingle size {size}: expected 1 to {MAX_SIZE} words")
    hashed = _word_hashes(words(text))
    if hashed.size == 0:
        return hashed
    n = max(hashed.size - size + 1, 1)
    with np.errstate(over="ignore"):
        combined = np.zeros(n, dtype=np.uint64)
        for i in range(min(size, hashed.size)):
            combined += hashed[i:i + n] * _MULTIPLIERS[i]
        combined ^= combined >> np.uint64(31)  # mix: every bit of the sum reaches the high bits MinHash reads
        combined *= np.uint64(0xBF58476D1CE4E5B9)
        combined ^= combined >> np.uint64(29)
    return np.unique(combined)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted, distinct hash arrays (two empty texts are identical)."""
    if a.size == 0 and b.size == 0:
        return 1.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)
