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
than one with two. The shingles of the texts indexed or checked last are kept for that
check (up to `RECENT_BYTES`); an older text is shingled again from its text, which is compressed when its
shingles are let go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curation.stories.registry import Text
from curation.stories.shingles import Words, distinct, shingle_all, shingles
from curation.stories.sketches import MinHash, MinHashLSH

NUM_PERM = 32
WHOLE_BANDS = (9, 3)  # P(candidate) 0.89 at Jaccard 0.6, 0.98 at 0.7; 1e-5 at 0.01 (unrelated articles)
HEAD_BANDS = (3, 10)  # P(candidate) 0.72 at Jaccard 0.9 (a head is usually untouched: 1.0)
HEAD_WORDS = 50
ONE_LINER_WORDS = 15  # paragraphs this short (credits, sign-up lines, datelines) are not a lede (>= MAX_SIZE)
CHECKED = 4
RECENT_BYTES = 96 << 20  # shingles kept for exact checks: those of the last ~40,000 news articles
SCHEME = "affine32"
_TEMPLATE = MinHash(num_perm=NUM_PERM, scheme=SCHEME)  # seed 1: the same permutations in every run
_HIGH = np.uint64(32)


def _as_is(values: np.ndarray) -> np.ndarray:
    """datasketch's `hashfunc` for an already hashed batch (see `Signer`)."""
    return values


def lede(words: Words) -> slice:
    """Where the lede's words are: the first paragraph of ONE_LINER_WORDS words or more, cut at HEAD_WORDS (all the
    words if none is). One paragraph only, so dropping or adding the next one leaves it alone."""
    starts = words.paragraph_starts
    for start, end in zip(starts, [*starts[1:], words.hashes.size]):
        if end - start >= ONE_LINER_WORDS:
            return slice(start, min(end, start + HEAD_WORDS))
    return slice(0, words.hashes.size)


def head(words: Words, ordered: np.ndarray, size: int) -> np.ndarray:
    """The lede's shingles, taken from the text's shingles in word order: those that start and end in
    the lede. A text shorter than a shingle is its own lede. Repeats are left in: they are only signed, and a
    MinHash of values is that of their set."""
    span = lede(words)
    if span.stop - span.start < size:
        return ordered
    return ordered[span.start:span.stop - size + 1]


class Signer:
    """datasketch MinHash signatures (hash values) of shingle sets, from the high 32 bits of each 64-bit shingle hash.

    One MinHash signs every set, each from the hash values a new or cleared MinHash starts with: `update_batch`
    replaces its hash values with a new array rather than writing into them, so the initial array is shared, and
    read-only (a datasketch that wrote into it would fail, not sign wrongly); a set then costs no array to clear and
    no LeanMinHash to copy and check. The shingles are hashed already, so the whole array goes to `update_batch` as
    one item with `_as_is` as the hash function: datasketch makes an array of what the hash function returns and
    permutes it as a column, so the values need no Python loop (and no sha1). The result is the same as
    `update_batch` over the values one by one with `hashfunc=int` (tests/test_stories.py checks it)."""

    def __init__(self) -> None:
        self.minhash = MinHash(num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=SCHEME, hashfunc=_as_is)
        self.initial = self.minhash.hashvalues
        self.initial.flags.writeable = False

    def __call__(self, hashes: np.ndarray) -> np.ndarray:
        self.minhash.hashvalues = self.initial
        if hashes.size:
            self.minhash.update_batch([(hashes >> _HIGH).astype(np.uint32)])
        return self.minhash.hashvalues


class Carrier:
    """Hash values (a signature made by `Signer`, or stored) given to the LSH indexes as the MinHash they take: one
    MinHash holds each in turn, since an index keeps the bands it cuts from a MinHash, never the MinHash itself."""

    def __init__(self) -> None:
        self.minhash = MinHash(num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=SCHEME)

    def __call__(self, values: np.ndarray) -> MinHash:
        self.minhash.hashvalues = values
        return self.minhash


@dataclass(frozen=True)
class Fingerprint:
    """What the search needs of one text: its shingles and both MinHash signatures (hash values)."""

    shingles: np.ndarray
    whole: np.ndarray
    head: np.ndarray


def fingerprints(texts: Sequence[str], size: int) -> list[Fingerprint]:
    """The texts' fingerprints; many texts at once cost much less each than one (`shingle_all`)."""
    sign, found = Signer(), []
    for words, ordered in shingle_all(texts, size):
        hashes = distinct(ordered)
        found.append(Fingerprint(hashes, sign(hashes), sign(head(words, ordered, size))))
    return found


def fingerprint(text: str, size: int) -> Fingerprint:
    return fingerprints([text], size)[0]


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Shared shingles as a share of the smaller set's (1.0: one text's shingles all occur in the other)."""
    if a.size == 0 or b.size == 0:
        return float(a.size == b.size)
    if a.size > b.size:
        a, b = b, a
    at = np.searchsorted(b, a)  # both sorted and distinct: where each of the smaller set's would be in the other
    at[at == b.size] = 0
    return np.count_nonzero(b[at] == a) / a.size


class NearDuplicateIndex:
    """Texts indexed under integer keys 0, 1, 2, ... in the order they are added."""

    def __init__(self, shingle_size: int) -> None:
        self.size = shingle_size
        self.whole = MinHashLSH(num_perm=NUM_PERM, params=WHOLE_BANDS)
        self.head = MinHashLSH(num_perm=NUM_PERM, params=HEAD_BANDS)
        self.texts: list[Text] = []  # for the exact check of a text whose shingles are not kept
        self.signatures = np.zeros((1024, NUM_PERM), dtype=np.uint32)
        self.recent: dict[int, np.ndarray] = {}  # shingles of texts added or checked lately, oldest first
        self.recent_bytes = 0
        self.carry = Carrier()

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: Text, whole: np.ndarray, head: np.ndarray) -> int:
        """Index a text by its two signatures (a Fingerprint's); returns its key."""
        key = len(self.texts)
        if key == len(self.signatures):
            self.signatures = np.concatenate([self.signatures, np.zeros_like(self.signatures)])
        self.signatures[key] = whole
        self.texts.append(text)
        self.whole.insert(key, self.carry(whole), check_duplication=False)
        self.head.insert(key, self.carry(head), check_duplication=False)
        return key

    def candidates(self, found: Fingerprint) -> list[int]:
        """The keys to check: those whose signatures collide with the text's in some band, if at most CHECKED do;
        else the CHECKED of best estimated Jaccard."""
        keys = set(self.whole.query(self.carry(found.whole))) | set(self.head.query(self.carry(found.head)))
        if len(keys) <= CHECKED:  # all of them are checked
            return sorted(keys)
        ordered = np.fromiter(keys, dtype=np.int64, count=len(keys))
        estimate = (self.signatures[ordered] == found.whole).mean(axis=1)
        return ordered[np.argsort(-estimate, kind="stable")[:CHECKED]].tolist()

    def shingles_of(self, key: int) -> np.ndarray:
        """An indexed text's shingles; recent ones are kept, since a story's copies tend to arrive close together."""
        if (found := self.recent.pop(key, None)) is None:
            found = shingles(self.texts[key].plain, self.size)
        return self.remember(key, found)

    def remember(self, key: int, found: np.ndarray) -> np.ndarray:
        """Keep a text's shingles among the recent ones (the oldest go past RECENT_BYTES, and their texts are
        compressed)."""
        if (old := self.recent.pop(key, None)) is not None:
            self.recent_bytes -= old.nbytes
        self.recent[key] = found
        self.recent_bytes += found.nbytes
        while self.recent_bytes > RECENT_BYTES and len(self.recent) > 1:
            oldest = next(iter(self.recent))
            self.recent_bytes -= self.recent.pop(oldest).nbytes
            self.texts[oldest].compressed()
        return found
