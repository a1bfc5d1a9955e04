"""Token features for the span tagger (a linear-chain CRF, python-crfsuite), sentence by sentence.

Tokens are the export's tokens (`curation.export.tokens.tokenize`), cut at the
rules' region boundaries so a rule span is a whole number of tokens; a tokenisation
never depends on gold labels. Each token is described by its word, shape and
affixes, its neighbours, and the rules' BIO tag at it (SOURCE, HEDGE, CLAIM): the
CRF learns where the rules' extents are right, which cross-validation says helps
(see `model.json`, `selection`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from curation.export.tokens import tokenize

_SHAPE = [(re.compile(p), s) for p, s in ((r"[A-Z]", "X"), (r"[a-z]", "x"), (r"\d", "d"))]


@lru_cache(maxsize=65536)
def shape(word: str) -> str:
    out = word[:6]
    for pattern, sub in _SHAPE:
        out = pattern.sub(sub, out)
    return re.sub(r"(.)\1+", r"\1\1", out)


def sentence_tokens(text: str, start: int, end: int, cuts: Sequence[int]) -> list[tuple[int, int]]:
    """(start, end) in `text` of the tokens of text[start:end], also cut at `cuts` (absolute offsets)."""
    local = [c - start for c in cuts if start < c < end]
    starts, ends = tokenize(text[start:end], local)
    return [(int(s) + start, int(e) + start) for s, e in zip(starts, ends)]


def rule_tags(tokens: Sequence[tuple[int, int]], regions: Sequence[tuple[int, int, str]], label: str) -> list[str]:
    """BIO of the rules' `label` regions (start, end, label) over `tokens`."""
    tags = ["O"] * len(tokens)
    for start, end, region_label in regions:
        if region_label != label:
            continue
        inside = [i for i, (s, e) in enumerate(tokens) if s >= start and e <= end]
        for k, i in enumerate(inside):
            tags[i] = ("B" if k == 0 else "I") if tags[i] == "O" else tags[i]
    return tags


def token_features(text: str, tokens: Sequence[tuple[int, int]], regions: Sequence[tuple[int, int, str]]) -> list[list[str]]:
    """crfsuite attribute strings of each token; `regions`: the rules' (start, end, label) in the sentence."""
    words = [text[s:e] for s, e in tokens]
    lows = [w.lower() for w in words]
    rules = {label: rule_tags(tokens, regions, label) for label in ("SOURCE", "HEDGE", "CLAIM")}
    n = len(words)
    out = []
    for i, (word, low) in enumerate(zip(words, lows)):
        f = [f"w={low}", f"sh={shape(word)}", f"s3={low[-3:]}", f"p3={low[:3]}",
             f"rs={rules['SOURCE'][i]}", f"rh={rules['HEDGE'][i]}", f"rc={rules['CLAIM'][i]}",
             f"rs|w={rules['SOURCE'][i]}|{low}"]
        if word[:1].isupper():
            f.append("title")
        if i == 0:
            f.append("BOS")
        if i == n - 1:
            f.append("EOS")
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < n:
                f.append(f"{d}w={lows[j]}")
                f.append(f"{d}rs={rules['SOURCE'][j]}")
                if abs(d) == 1:
                    f.append(f"{d}sh={shape(words[j])}")
        if i + 1 < n:
            f.append(f"w|+1={low}|{lows[i + 1]}")
        out.append(f)
    return out


def gold_tags(tokens: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """BIO tags of `tokens` for gold spans (start, end, label); the first span to claim a token keeps it."""
    tags = ["O"] * len(tokens)
    starts = np.array([s for s, _ in tokens]) if tokens else np.zeros(0, int)
    ends = np.array([e for _, e in tokens]) if tokens else np.zeros(0, int)
    for start, end, label in sorted(spans, key=lambda s: (s[1] - s[0], s[0])):
        inside = np.flatnonzero((starts < end) & (ends > start))
        free = [i for i in inside if tags[i] == "O"]
        for k, i in enumerate(free):
            tags[i] = f"{'B' if k == 0 else 'I'}-{label}"
    return tags


def decode(tokens: Sequence[tuple[int, int]], tags: Sequence[str], marginal) -> Iterator[tuple[int, int, str, float]]:
    """(start, end, label, mean token marginal) of each tagged run; `marginal(tag, i)` gives P(tag at i)."""
    run: list[int] = []
    label = ""
    for i, tag in enumerate([*tags, "O"]):
        if run and (tag == "O" or tag.startswith("B-") or tag[2:] != label):
            score = sum(marginal(tags[k], k) for k in run) / len(run)
            yield tokens[run[0]][0], tokens[run[-1]][1], label, score
            run = []
        if tag != "O":
            if not run:
                label = tag[2:]
            run.append(i)
