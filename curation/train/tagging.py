"""Token features for the span tagger (a linear-chain CRF, python-crfsuite), sentence by sentence.

Tokens are the export's tokens (`curation.export.tokens.tokenize`), cut at the
rules' region boundaries so a rule span is a whole number of tokens; a tokenisation
never depends on gold labels. Each token is described by its word, shape and
affixes, its neighbours (two each side, and the words three away), the rules' BIO
tag at it (SOURCE, HEDGE, CLAIM) — the CRF learns where the rules' extents are
right — and the attribution frame around it: whether it is a reporting verb, a
participle of saying, a claim noun, a person noun or a pronoun (the rules' word
lists), how far the nearest reporting verb is and on which side, and whether it
sits inside a quotation. Cross-validation (by article, on PolNeAR train) chose these
features: SOURCE overlap F1 0.660 without the frame and the wider window, 0.684
with them (the note of issue 11).
"""

from __future__ import annotations

import re
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
_SHAPE = [(re.compile(p), s) for p, s in ((r"[A-Z]", "X"), (r"[a-z]", "x"), (r"\d", "d"))]


@lru_cache(maxsize=65536)
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


def token_features(text: str, tokens: Sequence[tuple[int, int]], regions: Sequence[tuple[int, int, str]]) -> list[list[str]]:
    """crfsuite attribute strings of each token; `regions`: the rules' (start, end, label) in the sentence."""
    words = [text[s:e] for s, e in tokens]
    lows = [w.lower() for w in words]
    rules = {label: rule_tags(tokens, regions, label) for label in ("SOURCE", "HEDGE", "CLAIM")}
    n = len(words)
    verbs = [i for i, low in enumerate(lows) if low in _SAYING]
    saying = [low in _SAYING for low in lows]
    quotes = list(accumulate((sum(ch in _QUOTES for ch in w) for w in words), initial=0))
    in_quote = [q % 2 == 1 for q in quotes[:-1]]  # an odd number of quotation marks before it
    any_quote = quotes[-1] > 0
    out = []
    for i, (word, low) in enumerate(zip(words, lows)):
        f = [f"w={low}", f"sh={shape(word)}", f"s2={low[-2:]}", f"s3={low[-3:]}", f"s4={low[-4:]}", f"p3={low[:3]}",
             f"rs={rules['SOURCE'][i]}", f"rh={rules['HEDGE'][i]}", f"rc={rules['CLAIM'][i]}",
             f"rs|w={rules['SOURCE'][i]}|{low}", f"pos={min(i, 4)}"]
        f += [name for name, lexicon in _LEXICON if low in lexicon]
        if word[:1].isupper():
            f.append("title")
        if i == 0:
            f.append("BOS")
        if i == n - 1:
            f.append("EOS")
        if verbs:
            d = min((j - i for j in verbs), key=lambda x: (abs(x), x))
            f.append(f"dv={d}" if abs(d) <= VERB_WINDOW else ("dv=far+" if d > 0 else "dv=far-"))
        else:
            f.append("noverb")
        if in_quote[i]:
            f.append("inq")
        if any_quote:
            f.append("sentq")
        for d in (-3, -2, -1, 1, 2, 3):
            j = i + d
            if 0 <= j < n:
                f.append(f"{d}w={lows[j]}")
                if abs(d) <= 2:
                    f.append(f"{d}rs={rules['SOURCE'][j]}")
                if abs(d) == 1:
                    f.append(f"{d}sh={shape(words[j])}")
                    if saying[j]:
                        f.append(f"{d}lexV")
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
