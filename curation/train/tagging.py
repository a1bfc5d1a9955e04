"""Token features for the span tagger (a linear-chain CRF, python-crfsuite), sentence by sentence.

Tokens are the export's tokens (`curation.export.tokens.tokenize`), cut at the
rules' region boundaries so a rule span is a whole number of tokens; a tokenisation
never depends on gold labels. Each token is described by its word, shape and
affixes, its neighbours (two each side, and the words three away), the rules' BIO
tags around it (SOURCE, and HEDGE with CLAIM) — the CRF learns where the rules'
extents are right — and the attribution frame around it: whether it is a reporting
verb, a participle of saying, a claim noun, a person noun or a pronoun (the rules'
word lists), how far the nearest reporting verb is and on which side, and whether it
sits inside a quotation. Cross-validation (by article, on PolNeAR train) chose these
features: SOURCE overlap F1 0.660 without the frame and the wider window, 0.684
with them (the note of issue 11); merging the rules' tags into windows and leaving
out each group's commonest value kept the figures (2-fold: see `token_features`).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import accumulate

import numpy as np

from curation.export.tokens import tokenize
from curation.preannotate.sources import PEOPLE
from curation.preannotate.vocabulary import CLAIM_NOUNS, INVERTED_VERBS, PARTICIPLES, REPORTING_VERBS

_VERBS = frozenset(w for w in (*REPORTING_VERBS, *INVERTED_VERBS) if " " not in w)
_SAYING = _VERBS | frozenset(PARTICIPLES)
_LEXICON = (("lexV", _VERBS), ("lexP", frozenset(PARTICIPLES)), ("lexN", frozenset(w for w in CLAIM_NOUNS if " " not in w)),
            ("lexPeople", frozenset(PEOPLE.split())), ("pron", frozenset("he she they it i we you his her their its".split())))
_QUOTES = frozenset('"“”')
VERB_WINDOW = 4  # the nearest reporting verb's signed distance in tokens, up to this; beyond: which side
_DISTANCE = {d: f"dv={d}" for d in range(-VERB_WINDOW, VERB_WINDOW + 1)}
_SHAPE = [(re.compile(p), s) for p, s in ((r"[A-Z]", "X"), (r"[a-z]", "x"), (r"\d", "d"))]


@lru_cache(maxsize=1 << 14)
def shape(word: str) -> str:
    out = word[:6]
    for pattern, sub in _SHAPE:
        out = pattern.sub(sub, out)
    return re.sub(r"(.)\1+", r"\1\1", out)


def sentence_tokens(text: str, sentences: Sequence[tuple[int, int]], cuts: Sequence[int]) -> list[list[tuple[int, int]]]:
    """(start, end) in `text` of the tokens of each sentence (start, end): the text is tokenised once, cut at the
    sentences' bounds and at `cuts` (absolute offsets), which gives each sentence the tokens it has on its own."""
    bounds = [o for start, end in sentences for o in (start, end)]
    starts, ends = tokenize(text, sorted({*cuts, *bounds}))
    pairs = list(zip(starts.tolist(), ends.tolist()))
    first = np.searchsorted(starts, bounds[::2], "left").tolist()
    last = np.searchsorted(ends, bounds[1::2], "right").tolist()
    return [pairs[a:b] for a, b in zip(first, last)]


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


# Offsets of the neighbours whose words describe a token; at -1 and +1 also their shape and being a verb of saying.
NEIGHBOURS = (-3, -2, -1, 1, 2, 3)


@lru_cache(maxsize=1 << 14)  # ~1 KB a word: a bounded cache of the commonest words
def _own(word: str) -> tuple[str, ...]:
    """The attributes a word gives the token it is: word, affixes, shape, the rules' word lists, capital."""
    low = word.lower()
    out = [f"w={low}", f"s2={low[-2:]}", f"s3={low[-3:]}", f"s4={low[-4:]}", f"p3={low[:3]}"]
    if (sh := shape(word)) != "xx":
        out.append(f"sh={sh}")
    out += [name for name, lexicon in _LEXICON if low in lexicon]
    if word[:1].isupper():
        out.append("title")
    return tuple(out)


@lru_cache(maxsize=1 << 14)  # ~1 KB a word: a bounded cache of the commonest words
def _around(word: str) -> dict[int, tuple[str, ...]]:
    """The attributes a word gives the tokens `d` away from it, by d (NEIGHBOURS)."""
    low = word.lower()
    out = {d: (f"{d}w={low}",) for d in NEIGHBOURS}
    sh = shape(word)
    for d in (-1, 1):
        out[d] += ((f"{d}sh={sh}",) if sh != "xx" else ()) + ((f"{d}lexV",) if low in _SAYING else ())
    return out


def token_features(text: str, tokens: Sequence[tuple[int, int]], regions: Sequence[tuple[int, int, str]]) -> list[list[str]]:
    """crfsuite attribute strings of each token; `regions`: the rules' (start, end, label) in the sentence.

    Each categorical group leaves out its commonest value (shape xx, the rules' tag O, no reporting verb, ...)
    and every token has `bias`: the same model with a third fewer attribute references, which is what the CRF's
    training data is made of (PolNeAR train: 19.2M at 25 a token, 12.0M at 15.5)."""
    words = [text[s:e] for s, e in tokens]
    lows = [w.lower() for w in words]
    n = len(words)
    source, hedge, claim = (rule_tags(tokens, regions, label) for label in ("SOURCE", "HEDGE", "CLAIM"))
    window = ["_", "_", *source, "_", "_"]
    verbs = [i for i, low in enumerate(lows) if low in _SAYING]
    quotes = list(accumulate((w in _QUOTES for w in words), initial=0))  # a quotation mark is a token of its own
    any_quote = quotes[-1] > 0
    near = [_around(w) for w in words]
    out = []
    for i, (word, low) in enumerate(zip(words, lows)):
        f = ["bias", *_own(word)]
        if source[i] != "O":
            f += (f"rs={source[i]}", f"rs|w={source[i]}|{low}")
        if (rules := f"{hedge[i]}{claim[i]}") != "OI":  # the rules' HEDGE and CLAIM tags; most tokens sit in a claim
            f.append(f"rhc={rules}")
        if (around := f"{window[i]}{window[i + 1]}{window[i + 3]}{window[i + 4]}") != "OOOO":
            f.append(f"rsn={around}")  # the rules' SOURCE tags two each side
        if i < 4 or i == n - 1:
            f.append(f"pos={min(i, 4)}{'E' if i == n - 1 else ''}")
        if verbs:  # the nearest reporting verb's signed distance (the one before on a tie)
            k = bisect_left(verbs, i)
            d = verbs[k] - i if k < len(verbs) and (k == 0 or verbs[k] - i < i - verbs[k - 1]) else verbs[k - 1] - i
            f.append(_DISTANCE.get(d) or ("dv=far+" if d > 0 else "dv=far-"))
        if any_quote:  # inside a quotation: an odd number of quotation marks before it
            f.append("q=in" if quotes[i] % 2 else "q=out")
        for d in NEIGHBOURS:
            if 0 <= i + d < n:
                f += near[i + d][d]
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


def decode_marginal(tokens: Sequence[tuple[int, int]], begin: Sequence[float], inside: Sequence[float],
                    threshold: float) -> Iterator[tuple[int, int, float]]:
    """(start, end, mean P(SOURCE)) of the runs of tokens whose P(SOURCE) = P(B-SOURCE) + P(I-SOURCE) reaches
    `threshold`; a token where B outweighs I starts a new span. Below 0.5 this finds sources the single best
    path leaves out (PolNeAR's many pronoun and implicit sources: recall is what the tagger lacks)."""
    p = [b + i for b, i in zip(begin, inside)]
    run: list[int] = []
    for k in range(len(tokens) + 1):
        if run and (k == len(tokens) or p[k] < threshold or begin[k] > inside[k]):
            yield tokens[run[0]][0], tokens[run[-1]][1], sum(p[j] for j in run) / len(run)
            run = []
        if k < len(tokens) and p[k] >= threshold:
            run.append(k)
