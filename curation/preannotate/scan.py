"""One pass over an article's lower-cased text finds every phrase of every word list.

Each finder (hedges, sources, claims) then keeps the hits of its own lists. At a
position the longest phrase wins, so "more likely" is one hit: finders that care
about its words look them up (`claims.kinds_of`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from curation.preannotate import vocabulary as v
from curation.preannotate.lexicon import trie_regex

PHRASES = frozenset(
    [*v.HEDGE_STRONG, *v.HEDGE_MODERATE, *v.HEDGE_WEAK, *v.QUANTIFIERS, *v.REPORTING_VERBS, *v.INVERTED_VERBS,
     *v.PARTICIPLES, *v.CLAIM_NOUNS, v.ACCORDING_TO, *(w for ws in v.SIGNAL_WORDS.values() for w in ws)]
)
_PHRASE = re.compile(r"\b" + trie_regex(PHRASES) + r"\b")


class Hit(NamedTuple):
    start: int
    end: int
    phrase: str  # lower-case, single spaces: the word-list entry


def scan(low: str) -> list[Hit]:
    """Every word-list phrase in `low` (a lower-cased text, `lexicon.fold`), in text order."""
    return [Hit(m.start(), m.end(), phrase if (phrase := m.group()) in PHRASES else " ".join(phrase.split()))
            for m in _PHRASE.finditer(low)]
