"""CLAIM scoring: how check-worthy a stretch of text is, and what kind of claim.

Signals that fact-checkers look for: numbers and quantities, named entities,
comparisons and records, causal links, attribution to a source; questions,
first-person opinion and very short fragments count against.
"""

from __future__ import annotations

import re

from curation.preannotate.lexicon import trie_regex

_NUMBER = re.compile(r"\d")
_QUANTITY = re.compile(
    r"\d\s*(?:%|percent|per cent|million|billion|trillion|bn|m\b)|[$£€¥]\s*\d|\b(?:half|third|quarter|double|twice|"
    r"tripled|doubled)\b",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+")


def _words(block: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(r"\b" + trie_regex(p.strip() for p in block.split("|")) + r"\b", flags)


_COMPARISON = _words("""more|less|fewer|higher|lower|most|least|largest|biggest|smallest|highest|lowest|record|first|
only|increase|increased|increases|decrease|decreased|decreases|rose|fell|grew|doubled|tripled|cut|raised|dropped|jumped""")
_CAUSAL = _words("because|due to|caused|causes|led to|leads to|resulted in|results in|result in|as a result|driven by|blamed")
_PREDICTION = _words("""will|would|expected|forecast|predict|predicts|predicted|prediction|could|may|might|likely|plan to|
plans to|going to""")
_EVENT = _words("""killed|died|attacked|signed|visited|announced|arrested|launched|voted|elected|won|lost|sent|deployed|
invaded|built|closed|opened|found|passed|approved|banned|fired""")
_OPINION = _words("I think|I believe|I feel|we should|we must|let me|thank you|I want|you know|in my view")
_WORD = re.compile(r"\w+")


def check_worthiness(text: str, start: int, end: int, *, attributed: bool) -> float:
    """A score in [0, 1]; 0.5 and above is worth a fact-checker's look."""
    span = text[start:end]
    words = len(_WORD.findall(span))
    score = 0.3
    score += 0.2 if _NUMBER.search(span) else 0.0
    score += 0.15 if _QUANTITY.search(span) else 0.0
    score += min(0.2, 0.07 * len(_ENTITY.findall(span)))
    score += 0.1 if _COMPARISON.search(span) else 0.0
    score += 0.1 if _CAUSAL.search(span) else 0.0
    score += 0.1 if _EVENT.search(span) else 0.0
    score += 0.1 if attributed else 0.0
    score -= 0.3 if span.rstrip().endswith("?") else 0.0
    score -= 0.25 if _OPINION.search(span) else 0.0
    score -= 0.3 if words < 6 else 0.0
    return round(min(1.0, max(0.0, score)), 3)


def worthiness_label(score: float) -> str:
    return "check_worthy" if score >= 0.6 else "not_check_worthy" if score < 0.45 else "unsure"


def claim_type(text: str, start: int, end: int, *, quoted: bool) -> str:
    span = text[start:end]
    if _QUANTITY.search(span) or (_NUMBER.search(span) and _COMPARISON.search(span)):
        return "statistic"
    if _CAUSAL.search(span):
        return "causal"
    if _PREDICTION.search(span):
        return "prediction"
    if quoted:
        return "quote"
    if _EVENT.search(span):
        return "event"
    return "other"
