"""HEDGE cues: a multi-word lexicon matched with one regex, then disambiguated.

Strength says how much doubt the cue expresses: `strong` ("may", "allegedly"),
`moderate` ("likely", "believed", "is expected to"), `weak` ("highly likely",
"almost certainly"). The prefix-tree regex prefers longer cues, so "highly likely" wins
over "likely" and "is expected to" over "expected to" (curation.preannotate.lexicon).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from curation.preannotate.lexicon import trie_regex

STRONG = """may|might|could|possibly|possible|perhaps|maybe|allegedly|alleged|reportedly|purportedly|supposedly|
rumoured|rumored|unconfirmed|unclear|not clear|speculated|speculation|unlikely|may have|might have|could have|
is said to|are said to|was said to|were said to|it is possible|there is a possibility|cannot be ruled out|
not ruled out|potentially|potential|suspected|suspect|presumably|seemingly|apparently"""
MODERATE = """likely|probably|probable|believed|believe|believes|thought to|is thought|are thought|was thought|
expected to|is expected to|are expected to|was expected to|were expected to|is expected|are expected|
appears to|appear to|appeared to|appears|seems to|seem to|seemed to|seems|suggests|suggest|suggested|suggesting|
indicates|indicated|estimated|an estimated|approximately|roughly|
widely|largely|considered|regarded as|is considered|
are considered|assess|assessed|assume|assumed|understood to|is understood|claimed|reported to|tends to|tend to|
in some cases|to some extent|somewhat|fairly|relatively|arguably|believed to"""
WEAK = """highly likely|very likely|most likely|more likely|almost certainly|almost certain|virtually certain|
in all likelihood|very probably|largely expected"""


def _cues(block: str) -> list[str]:
    return [c.strip() for c in block.replace("\n", "").split("|") if c.strip()]


STRENGTH: dict[str, str] = {
    **{c: "strong" for c in _cues(STRONG)},
    **{c: "moderate" for c in _cues(MODERATE)},
    **{c: "weak" for c in _cues(WEAK)},
}
# The phrase list the spaCy reference in bench/ matches too.
HEDGE_CUES: list[str] = sorted(STRENGTH)

# Cues that are often not hedges (ability "could", plain degree words); they get a lower score.
AMBIGUOUS = frozenset("could fairly relatively somewhat claimed".split())

_PATTERN = re.compile(r"\b" + trie_regex(HEDGE_CUES) + r"\b", re.IGNORECASE)
# Weasel quantifiers ("some critics", "many believe"): vague about who or how many hold a view.
_WEASEL = re.compile(
    r"\b(?:some|many|several|certain|various|numerous|most)\s+(?:\w+\s+)?(?:people|critics|experts|scholars|"
    r"historians|observers|analysts|commentators|sources|researchers|scientists|authors|fans|others|believe|say|"
    r"argue|claim|consider|suggest|think|feel)\b",
    re.IGNORECASE,
)
_NEGATED_ABILITY = re.compile(r"\s+(?:not|n't)\b", re.IGNORECASE)
_MONTH_CONTEXT_BEFORE = re.compile(
    r"\b(?:in|on|of|since|until|till|by|from|to|during|through|early|late|mid|last|next|this|between|and|before|after)\s*[-\s]?$",
    re.IGNORECASE,
)
_MONTH_CONTEXT_AFTER = re.compile(r"\s*(?:\d|,\s*\d)")


class Cue(NamedTuple):
    start: int
    end: int
    strength: str
    score: float


def is_month_may(text: str, start: int, end: int, sentence_start: int) -> bool:
    """'May' the month (or the surname) rather than the modal verb."""
    if text[start] != "M":
        return False
    if start > sentence_start:
        return True  # a capitalised "May" mid-sentence is a month or a name ("Theresa May")
    return bool(_MONTH_CONTEXT_AFTER.match(text, end)) or bool(_MONTH_CONTEXT_BEFORE.search(text, 0, start))


def find_hedges(text: str, start: int, end: int) -> list[Cue]:
    """Hedge cues inside the sentence text[start:end]."""
    cues = []
    for m in _PATTERN.finditer(text, start, end):
        phrase = " ".join(m.group(0).lower().split())
        if phrase in ("may", "may have") and is_month_may(text, m.start(), m.end(), start):
            continue
        if phrase in ("could", "could have") and _NEGATED_ABILITY.match(text, m.end()):
            continue  # "could not" states inability, not doubt
        score = 0.55 if phrase in AMBIGUOUS else 0.85
        cues.append(Cue(m.start(), m.end(), STRENGTH[phrase], score))
    for m in _WEASEL.finditer(text, start, end):
        if not any(m.start() < c.end and c.start < m.end() for c in cues):
            cues.append(Cue(m.start(), m.end(), "moderate", 0.6))
    return sorted(cues)
