"""Sentence segmentation with exact character offsets, tuned for news prose.

A character-class regex finds line breaks and stop characters fast; a stop
counts when a run of '.', '!', '?' with any closing quotes is followed by space
and a capital (CJK full stops need no space). Every
line break ends a sentence, so a sentence never crosses a paragraph. A '.'
candidate is vetoed after titles and initials ("Mr. Kim", "Oct. 3", "N. Korean");
after acronyms and trailing abbreviations ("U.S.", "Inc.") it ends a sentence
only when a typical sentence opener follows ("The U.S. The end." vs "U.S. officials").
"""

from __future__ import annotations

import re

# Abbreviations that precede what they belong to (a name, a number): never the end of a sentence.
TITLES = frozenset(
    """mr mrs ms dr prof gen lt col maj capt cmdr adm sgt cpl gov sen rep rev hon pres supt insp st mt ft
    jan feb mar apr jun jul aug sep sept oct nov dec no nos vs v fig approx est""".split()
)
# Abbreviations that may close a sentence ("... Apple Inc. The company ...").
TRAILING = frozenset("etc inc corp ltd co bros jr sr dept univ assn al mon tue tues wed thu thur thurs fri sat sun".split())
# Words that start a new sentence after an acronym or a trailing abbreviation.
SENTENCE_STARTERS = frozenset(
    "The A An He She It They We I But And In On At This That These Those There His Her Their Its "
    "After Before When While If As Some Many Most Both Officials Police".split()
)

_CANDIDATE = re.compile(r"[\n.!?…。！？]")  # a bare character class: the regex engine skips to these fast
_STOP = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]*[^\W\d_a-z])|[。！？]+[」』”’）]*")
_NEXT_WORD = re.compile(r"\s+[\"'“‘«(\[]*([\w.'’-]+)")
_OPENERS = "\"'“‘(["


def is_boundary(text: str, start: int, end: int) -> bool:
    """Whether the punctuation text[start:end] really ends a sentence."""
    if text[start] != "." or text.startswith("..", start):
        return True  # '!', '?', CJK stops, and an ellipsis before a capital
    if start == 0 or text[start - 1].isspace():
        return True  # a stop after a space
    word = text[max(0, start - 40) : start].rsplit(None, 1)[-1].lstrip(_OPENERS)
    bare = word.rstrip(".").lower()
    if bare in TITLES or (len(word) == 1 and word.isupper()):
        return False  # "Mr. Kim", "Oct. 3", an initial: "N. Korean", "George W. Bush"
    if bare in TRAILING or "." in word:  # "Inc.", "U.S.", "a.m.": only before a typical opener
        nxt = _NEXT_WORD.match(text, end)
        return bool(nxt and nxt.group(1) in SENTENCE_STARTERS)
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence; whitespace around sentences is left out."""
    pieces: list[tuple[int, int]] = []
    start = resume = 0
    for m in _CANDIDATE.finditer(text):
        pos = m.start()
        if pos < resume:
            continue  # inside a run of stops already looked at
        if text[pos] == "\n":
            pieces.append((start, pos))
            start = pos + 1
        elif stop := _STOP.match(text, pos):
            resume = stop.end()
            if is_boundary(text, pos, resume):
                pieces.append((start, resume))
                start = resume
    pieces.append((start, len(text)))
    return [trimmed for s, e in pieces if (trimmed := _trim(text, s, e))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    piece = text[start:end]
    core = piece.strip()
    if not core:
        return None
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(core)
