"""HEDGE cues: a multi-word lexicon matched in one regex pass, then disambiguated.

Strength says how much doubt the cue expresses: `strong` ("may", "allegedly"),
`moderate` ("likely", "believed", "is expected to"), `weak` ("highly likely",
"almost certainly"). The prefix-tree regex prefers longer cues, so "highly likely"
wins over "likely" and "is expected to" over "expected to"; "unlikely" is a cue of
its own, never "likely" inside it.

Disambiguation vetoes a cue where its context shows another sense: "May" the
month or the name, "could not" (inability), "as soon as possible" (feasibility),
"believe in", "claimed the title", "considered resigning", "the suspect".
Degree words and approximators ("relatively", "roughly") are not hedges here:
they qualify a quantity, not the commitment to a claim.

Weasels leave open who holds a view: "it has been suggested" (a moderate cue),
and vague quantifiers in weasel position ("Some critics", "many believe",
"In some cases"), which are weak hedges with a low score.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from curation.preannotate.lexicon import fold
from curation.preannotate.scan import Hit, scan
from curation.preannotate.vocabulary import HEDGE_MODERATE, HEDGE_STRONG, HEDGE_WEAK, QUANTIFIERS

STRENGTH: dict[str, str] = {
    **{c: "strong" for c in HEDGE_STRONG},
    **{c: "moderate" for c in HEDGE_MODERATE},
    **{c: "weak" for c in HEDGE_WEAK},
}
# The phrase list the spaCy reference in bench/ matches too.
HEDGE_CUES: list[str] = sorted(STRENGTH)
_QUANTIFIERS = frozenset(QUANTIFIERS)

# Cues that are often not hedges (ability "could", "claimed" as a plain verb); they get a lower score.
AMBIGUOUS = frozenset("could claimed considered potential".split())
SCORE, AMBIGUOUS_SCORE, WEASEL_SCORE = 0.85, 0.55, 0.4

# A cue is vetoed when the text right after it (or right before it) matches.
_NOT_AFTER = {
    cue: re.compile(pattern)
    for cues, pattern in [
        ("could|could have", r"\s+not\b"),  # "could not" states inability ("couldn't" never matches)
        ("possible", r"\s+(?:to|for)\b"),  # "possible to get there": feasibility
        ("believe|believes|believed", r"\s+in\b"),  # "believe in God"
        ("claimed", r"\s+(?:\d|an?\s|responsibility|credit|victory|the\s+(?:title|lives?|seat|throne|crown|prize))"),
        ("considered", r"\s+(?:\w+ing|whether)\b"),  # "considered resigning": deliberated
        ("assess|assessed", r"(?!\s+that\b)"),  # "we assess that ..." is an estimate; "assessed the damage" is not
        ("assume|assumed", r"\s+(?:office|power|command|control|responsibility|the|his|her|their|its|an?)\b"),
    ]
    for cue in cues.split("|")
}
_NOT_BEFORE = {
    "possible": re.compile(r"(?:\bas|\bif|\bwhere|\bwhen|\bwherever|\bwhenever|\bextent|\bit|\bbest|\bworst|\ball|"
                           r"\bevery|\bonly|\bnot|\w+est)\s+$"),  # "as soon as possible", "made it possible"
    "doubt": re.compile(r"\b(?:no|without|little|beyond|any)\s+$"),  # "no doubt" is a booster
    "suspect": re.compile(r"\b(?:a|the|one|main|prime|key|murder|chief|no|two|three|\w+'s)\s+$"),  # a noun
}
_LOOKBEHIND = 24
# Vague quantifiers are weasels where they leave open who holds a view or how far a statement reaches:
# before a group of people or a verb of opinion ("some critics", "many believe"), or opening a clause or a
# prepositional phrase ("Some manufacturers produce ...", "in many countries"); not "some 500" (a number),
# nor "some were killed" (a pronoun standing for people already named).
_WEASEL_GROUP = re.compile(
    r"\s+(?:(?:\w+\s+)?(?:people|critics|experts|scholars|historians|observers|analysts|commentators|sources|"
    r"researchers|scientists|authors|fans|others)|believe|say|argue|claim|consider|suggest|think|feel|"
    r"(?:have|had)\s+(?:believed|said|argued|claimed|considered|suggested|thought|felt))\b"
)  # "some believed killed" is a passive, not an opinion
_CLAUSE_OPENING = re.compile(r"(?:^|[.!?\"“”(:;,\n]|\b(?:in|on|at|for|from|among))\s*$")
_NUMBER_OR_BE_NEXT = re.compile(r"\s+(?:\d|(?:were|was|are|is|be|been)\b)")  # "some 500", "some were killed"
_MONTH_BEFORE = re.compile(
    r"\b(?:in|on|of|since|until|till|by|from|to|during|through|early|late|mid|last|next|this|between|and|before|"
    r"after)\s*[-\s]?$"
)
_MONTH_AFTER = re.compile(r"\s*(?:\d|,\s*\d)")
_SENTENCE_OPENERS = ".!?\"'“”‘’:;\n"


class Cue(NamedTuple):
    start: int
    end: int
    strength: str
    score: float


def is_month_may(text: str, start: int, end: int) -> bool:
    """'May' the month (or the surname) rather than the modal verb."""
    if text[start] != "M":
        return False
    before = text[max(0, start - _LOOKBEHIND) : start].rstrip()
    if before and before[-1] not in _SENTENCE_OPENERS:
        return True  # a capitalised "May" mid-sentence is a month or a name ("Theresa May")
    return bool(_MONTH_AFTER.match(text, end) or _MONTH_BEFORE.search(before.lower()))


def _vetoed(text: str, low: str, phrase: str, start: int, end: int) -> bool:
    if phrase in ("may", "may have"):
        return is_month_may(text, start, end)
    after = _NOT_AFTER.get(phrase)
    if after and after.match(low, end):
        return True
    before = _NOT_BEFORE.get(phrase)
    return bool(before and before.search(low, max(0, start - _LOOKBEHIND), start))


def find_hedges(text: str, low: str | None = None, hits: list[Hit] | None = None) -> list[Cue]:
    """Hedge cues in `text`, in text order.

    `low` (its lower-cased copy) and `hits` (`scan(low)`) may be passed in when the caller has them.
    """
    low = fold(text) if low is None else low
    cues = []
    for hit in scan(low) if hits is None else hits:
        if hit.phrase in STRENGTH:
            if not _vetoed(text, low, hit.phrase, hit.start, hit.end):
                score = AMBIGUOUS_SCORE if hit.phrase in AMBIGUOUS else SCORE
                cues.append(Cue(hit.start, hit.end, STRENGTH[hit.phrase], score))
        elif hit.phrase in _QUANTIFIERS and is_weasel(low, hit):
            cues.append(Cue(hit.start, hit.end, "weak", WEASEL_SCORE))
    return cues


def is_weasel(low: str, hit: Hit) -> bool:
    """Whether the vague quantifier `hit` leaves open who holds a view or how far a statement reaches."""
    if _NUMBER_OR_BE_NEXT.match(low, hit.end):
        return False
    if _WEASEL_GROUP.match(low, hit.end):
        return True
    return hit.phrase in ("some", "many") and bool(_CLAUSE_OPENING.search(low, max(0, hit.start - _LOOKBEHIND), hit.start))
