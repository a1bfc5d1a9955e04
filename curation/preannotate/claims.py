"""CLAIM scoring: how check-worthy a stretch of text is, and what kind of claim.

Signals that fact-checkers look for: numbers and quantities, named entities,
comparisons and records, causal links, attribution to a source; questions,
first-person opinion and very short fragments count against. All word signals
come from one pass of one regex over the lower-cased span.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from curation.preannotate.lexicon import trie_regex

SIGNAL_WORDS = {
    "comparison": """more|less|fewer|higher|lower|most|least|largest|biggest|smallest|highest|lowest|record|first|
        only|increase|increased|increases|decrease|decreased|decreases|rose|fell|grew|cut|raised|dropped|jumped""",
    "causal": "because|due to|caused|causes|led to|leads to|resulted in|results in|result in|as a result|driven by|blamed",
    "prediction": """will|would|expected|forecast|predict|predicts|predicted|prediction|could|may|might|likely|plan to|
        plans to|going to""",
    "event": """killed|died|attacked|signed|visited|announced|arrested|launched|voted|elected|won|lost|sent|deployed|
        invaded|built|closed|opened|found|passed|approved|banned|fired""",
    "opinion": "i think|i believe|i feel|we should|we must|let me|thank you|i want|you know|in my view",
}
_SIGNALS = re.compile(
    r"(?P<quantity>\d\s*(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b|bn\b|m\b)|[$£€¥]\s*\d|"
    r"\b(?:half|third|quarter|double|doubled|twice|tripled)\b)|(?P<number>\d)|\b(?:"
    + "|".join(f"(?P<{name}>{trie_regex(w.strip() for w in words.split('|'))})" for name, words in SIGNAL_WORDS.items())
    + r")\b"
)
_ENTITY = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+")
_WORD = re.compile(r"\w+")


class ClaimAssessment(NamedTuple):
    score: float  # check-worthiness in [0, 1]; 0.5 and above is worth a fact-checker's look
    worthiness: str
    claim_type: str


def signals(span: str) -> set[str]:
    found = {m.lastgroup for m in _SIGNALS.finditer(span.lower())}
    if "quantity" in found:
        found.add("number")
    return found  # type: ignore[return-value]


def check_worthiness(span: str, found: set[str], *, attributed: bool) -> float:
    score = 0.3
    score += 0.2 if "number" in found else 0.0
    score += 0.15 if "quantity" in found else 0.0
    score += min(0.2, 0.07 * len(_ENTITY.findall(span)))
    score += 0.1 if "comparison" in found else 0.0
    score += 0.1 if "causal" in found else 0.0
    score += 0.1 if "event" in found else 0.0
    score += 0.1 if attributed else 0.0
    score -= 0.3 if span.rstrip().endswith("?") else 0.0
    score -= 0.25 if "opinion" in found else 0.0
    score -= 0.3 if len(_WORD.findall(span)) < 6 else 0.0
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


def assess(text: str, start: int, end: int, *, attributed: bool, quoted: bool) -> ClaimAssessment:
    """Score and type of the candidate claim text[start:end]."""
    span = text[start:end]
    found = signals(span)
    score = check_worthiness(span, found, attributed=attributed)
    return ClaimAssessment(score, worthiness_label(score), claim_type(found, quoted=quoted))
