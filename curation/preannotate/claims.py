"""CLAIM scoring: how check-worthy a stretch of text is, and what kind of claim.

Signals that fact-checkers look for: numbers and quantities, named entities,
comparisons and records, causal links, attribution to a source; questions,
first-person opinion and very short fragments count against. The signals of a
whole article are found in one regex pass over its lower-cased text
(`index_signals`, from the shared word scan); a candidate claim then only looks
up the ones inside it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cache
from typing import NamedTuple

from curation.preannotate.lexicon import fold
from curation.preannotate.scan import Hit, scan
from curation.preannotate.vocabulary import SIGNAL_WORDS

KIND_OF_WORD = {w: kind for kind, ws in SIGNAL_WORDS.items() for w in ws}
# Bare character classes first: the regex engine skips to them fast.
_NUMBER = re.compile(r"[$£€¥\d][\d,.]*")
_UNIT = re.compile(r"\s*(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b|bn\b|m\b)")
_ENTITY = re.compile(r"[a-z,;] [A-Z][a-z]")  # a capitalised word inside a sentence, 2 characters in
_OPENING_QUOTES = "\"'“‘"
MIN_WORDS = 6


class SignalIndex(NamedTuple):
    """Positions and kinds of the signals of one text, and positions of its mid-sentence capitalised words."""

    positions: list[int]
    kinds: list[str]
    entities: list[int]


class ClaimAssessment(NamedTuple):
    score: float  # check-worthiness in [0, 1]; 0.5 and above is worth a fact-checker's look
    worthiness: str
    claim_type: str


@cache
def kinds_of(phrase: str) -> tuple[str, ...]:
    """Signal kinds of a scanned phrase: its own, else its words' ("more likely": comparison, prediction)."""
    if phrase in KIND_OF_WORD:
        return (KIND_OF_WORD[phrase],)
    return tuple(KIND_OF_WORD[w] for w in phrase.split() if w in KIND_OF_WORD)


def index_signals(text: str, low: str | None = None, hits: list[Hit] | None = None) -> SignalIndex:
    """Every signal of `text`; `low` (its lower-cased copy) and `hits` (`scan(low)`) may be passed in."""
    low = fold(text) if low is None else low
    found = [(h.start, kind) for h in (scan(low) if hits is None else hits) for kind in kinds_of(h.phrase)]
    found += [(m.start(), kind) for m in _NUMBER.finditer(low) if (kind := number_kind(m.group(), low, m.end()))]
    found.sort()
    return SignalIndex([p for p, _ in found], [k for _, k in found], [m.start() + 2 for m in _ENTITY.finditer(text)])


def number_kind(number: str, low: str, end: int) -> str | None:
    """A number with a currency or a unit ("$5", "3%", "2 million") is a quantity; a lone currency sign is nothing."""
    if not number[0].isdigit():
        return "quantity" if number[1:2].isdigit() else None
    return "quantity" if _UNIT.match(low, end) else "number"


def signals_in(index: SignalIndex, start: int, end: int) -> set[str]:
    found = set(index.kinds[bisect_left(index.positions, start) : bisect_left(index.positions, end)])
    if "quantity" in found:
        found.add("number")
    return found


def check_worthiness(found: set[str], entities: int, n_words: int, *, attributed: bool, question: bool) -> float:
    score = 0.3
    score += 0.2 if "number" in found else 0.0
    score += 0.15 if "quantity" in found else 0.0
    score += min(0.2, 0.07 * entities)
    score += 0.1 if "comparison" in found else 0.0
    score += 0.1 if "causal" in found else 0.0
    score += 0.1 if "event" in found else 0.0
    score += 0.1 if attributed else 0.0
    score -= 0.3 if question else 0.0
    score -= 0.25 if "opinion" in found else 0.0
    score -= 0.3 if n_words < MIN_WORDS else 0.0
    return round(min(1.0, max(0.0, score)), 3)


def worthiness_label(score: float) -> str:
    return "check_worthy" if score >= 0.6 else "not_check_worthy" if score < 0.45 else "unsure"


def claim_type(found: set[str], *, quoted: bool) -> str:
    if "quantity" in found or {"number", "comparison"} <= found:
        return "statistic"
    for kind in ("causal", "prediction"):
        if kind in found:
            return kind
    if quoted:
        return "quote"
    return "event" if "event" in found else "other"


def assess(index: SignalIndex, text: str, start: int, end: int, *, attributed: bool) -> ClaimAssessment:
    """Score and type of the candidate claim text[start:end]; a '?' right after it makes it a question."""
    found = signals_in(index, start, end)
    entities = bisect_left(index.entities, end) - bisect_left(index.entities, start)
    question = text.startswith("?", end) or text.startswith("?", end - 1)
    n_words = text.count(" ", start, end) + 1
    score = check_worthiness(found, entities, n_words, attributed=attributed, question=question)
    quoted = start > 0 and text[start - 1] in _OPENING_QUOTES
    return ClaimAssessment(score, worthiness_label(score), claim_type(found, quoted=quoted))
