"""Near-duplicate search: MinHash signatures in LSH indexes (datasketch) find candidates, an exact
containment check on the few most promising ones decides.

Two signatures per text, each in an LSH index of its own:
- the whole text's shingles: copies that differ by a reworded sentence, spellings, a line of
  boilerplate or a correction;
- its *head*, the lede (first paragraph that is not a one-liner, at most `HEAD_WORDS`
  words): copies trimmed or padded by whole paragraphs (the lede survives; a short credit
  or sign-up line before it does not count), whose whole-text Jaccard can be low.

The similarity reported and decided on is exact: the share of the shorter text's shingles
that the other text has too (containment), so a trimmed copy of a story is as similar as
a lightly edited one. Candidates are ranked by the signatures' estimated Jaccard and only
the best `CHECKED` get the exact check, so a story with hundreds of copies costs no more
than one with two.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from curation.stories.shingles import Words, combine, shingles, word_hashes

NUM_PERM = 32
WHOLE_BANDS = (10, 3)  # P(candidate) 0.91 at Jaccard 0.6, 0.985 at 0.7; ~1e-6 for unrelated articles
HEAD_BANDS = (8, 4)  # P(candidate) 0.985 at Jaccard 0.8 (a head is usually untouched: 1.0)
HEAD_WORDS = 50
ONE_LINER_WORDS = 15  # paragraphs this short (credits, sign-up lines, datelines) are not a lede
CHECKED = 4
CLEAR_MATCH = 0.9
RECENT = 4096  # shingle sets of recently added or checked texts kept (~13 MB)
SCHEME = "affine32"
_TEMPLATE = MinHash(num_perm=NUM_PERM, hashfunc=int)  # seed 1: the same permutations in every run


def head(words: Words) -> np.ndarray:
    """The lede's word hashes: the first paragraph of ONE_LINER_WORDS words or more, cut at HEAD_WORDS (all the
    words if none is). One paragraph only, so dropping or adding the next one leaves it alone."""
    bounds = np.append(words.paragraph_starts, words.hashes.size)
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if end - start >= ONE_LINER_WORDS:
            return words.hashes[start:min(end, start + HEAD_WORDS)]
    return words.hashes


def minhash(hashes: np.ndarray) -> MinHash:
    """datasketch MinHash of a shingle set (the high 32 bits of each 64-bit shingle hash)."""
    found = MinHash(num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=SCHEME, hashfunc=int)
    found.update_batch((hashes >> np.uint64(32)).tolist())
    return found


def as_minhash(values: np.ndarray) -> MinHash:
    return MinHash(hashvalues=values, permutations=_TEMPLATE.permutations, scheme=SCHEME, hashfunc=int)


@dataclass(frozen=True)
class Fingerprint:
    """What the search needs of one text: its shingles and both MinHashes."""

    shingles: np.ndarray
    whole: MinHash
    head: MinHash


def fingerprint(text: str, size: int) -> Fingerprint:
    words = word_hashes(text)
    hashes = combine(words.hashes, size)
    return Fingerprint(hashes, minhash(hashes), minhash(combine(head(words), size)))


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Shared shingles as a share of the smaller set's (1.0: one text's shingles all occur in the other)."""
    if a.size == 0 or b.size == 0:
        return float(a.size == b.size)
    return np.intersect1d(a, b, assume_unique=True).size / min(a.size, b.size)


class NearDuplicateIndex:
    """Texts indexed under integer keys 0, 1, 2, ... in the order they are added."""

    def __init__(self, threshold: float, shingle_size: int) -> None:
        self.threshold, self.size = threshold, shingle_size
        self.whole = MinHashLSH(num_perm=NUM_PERM, params=WHOLE_BANDS)
        self.head = MinHashLSH(num_perm=NUM_PERM, params=HEAD_BANDS)
        self.texts: list[bytes] = []  # zlib-compressed, for the exact check
        self.signatures = np.zeros((1024, NUM_PERM), dtype=np.uint32)
        self.recent: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, packed: bytes, whole: MinHash, head: MinHash) -> int:
        """Index a text (zlib-compressed) by its two MinHashes (a Fingerprint's); returns its key."""
        key = len(self.texts)
        if key == len(self.signatures):
            self.signatures = np.concatenate([self.signatures, np.zeros_like(self.signatures)])
        self.signatures[key] = whole.hashvalues
        self.texts.append(packed)
        self.whole.insert(key, whole, check_duplication=False)
        self.head.insert(key, head, check_duplication=False)
        return key

    def candidates(self, found: Fingerprint) -> list[int]:
        """Keys whose signatures collide with the text's in some band, best estimated Jaccard first, at most CHECKED."""
        keys = set(self.whole.query(found.whole)) | set(self.head.query(found.head))
        if not keys:
            return []
        ordered = np.fromiter(keys, dtype=np.int64, count=len(keys))
        estimate = (self.signatures[ordered] == found.whole.hashvalues).mean(axis=1)
        return ordered[np.argsort(-estimate, kind="stable")[:CHECKED]].tolist()

    def shingles_of(self, key: int) -> np.ndarray:
        """An indexed text's shingles; recent ones are kept, since a story's copies tend to arrive close together."""
        if (cached := self.recent.get(key)) is None:
            cached = self.remember(key, shingles(zlib.decompress(self.texts[key]).decode("utf-8"), self.size))
        return cached

    def remember(self, key: int, found: np.ndarray) -> np.ndarray:
        if len(self.recent) >= RECENT:
            self.recent.pop(next(iter(self.recent)))
        self.recent[key] = found
        return found

    def best_match(self, found: Fingerprint) -> tuple[int, float] | None:
        """The indexed text most similar to `found` if that similarity reaches the threshold: (key, exact similarity).
        A candidate at CLEAR_MATCH or above ends the search (candidates come best estimate first)."""
        best: tuple[int, float] | None = None
        for key in self.candidates(found):
            score = containment(found.shingles, self.shingles_of(key))
            if score >= self.threshold and (best is None or score > best[1]):
                best = (key, score)
                if score >= CLEAR_MATCH:
                    break
        return best
