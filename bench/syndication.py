"""The edits real syndication makes to a wire story, as functions of (raw article, random source).

A raw article is the plain-text shape ingest reads: headline, blank line, body paragraphs.
Each edit returns the edited raw text; `EDITS` names them for the per-edit figures of
bench/stories.py and for the tests. Negative pairs (different stories) come from the
corpus itself: other articles, of the same topic or not.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

Edit = Callable[[str, random.Random], str]

# British <-> American house styles (both directions occur on the wire).
SPELLINGS = {
    "defence": "defense", "organisation": "organization", "organisations": "organizations", "centre": "center",
    "labour": "labor", "favour": "favor", "favourite": "favorite", "programme": "program", "colour": "color",
    "analyse": "analyze", "realise": "realize", "recognise": "recognize", "criticise": "criticize",
    "travelled": "traveled", "cancelled": "canceled", "behaviour": "behavior", "neighbour": "neighbor",
    "licence": "license", "offence": "offense", "per cent": "percent", "cheque": "check", "tyre": "tire",
    "honour": "honor", "rumour": "rumor", "apologise": "apologize", "emphasise": "emphasize",
    "authorised": "authorized", "privatisation": "privatization", "modernise": "modernize", "grey": "gray",
}
_SPELLING = re.compile(r"\b(" + "|".join(map(re.escape, sorted({**SPELLINGS, **{v: k for k, v in SPELLINGS.items()}},
                                                                key=len, reverse=True))) + r")\b", re.IGNORECASE)
_FLIP = {**SPELLINGS, **{v: k for k, v in SPELLINGS.items()}}
_IZE = re.compile(r"\b(\w{3,})is(e|ed|es|ing|ation)\b")

HEADLINE_WORDS = ["Update:", "Exclusive:", "Analysis:", "Breaking:", "Report:", "Explainer:"]
SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "also": "additionally", "but": "however",
    "big": "large", "show": "indicate", "shows": "indicates", "rise": "increase", "rose": "climbed",
    "fell": "dropped", "firm": "company", "company": "firm", "government": "administration",
    "people": "individuals", "about": "around", "more": "greater", "new": "fresh", "help": "assist",
    "make": "create", "made": "produced", "expected": "forecast", "plans": "intends", "buy": "purchase",
}
BOILERPLATE = [
    "This article was originally published by Agence France-Presse.",
    "Copyright {year} {outlet}. All rights reserved.",
    "Sign up for the {outlet} newsletter to get the day's top stories in your inbox.",
    "Read more: our coverage of the story so far.",
    "Reporting by wire staff; editing by the {outlet} news desk.",
    "Follow {outlet} on social media for the latest updates.",
]
OUTLETS = ["The Moscow Times", "The Daily Courier", "Metro Herald", "Global Wire", "The Evening Post"]
CORRECTIONS = [
    "Correction: an earlier version of this article misstated a figure. It has been corrected.",
    "This story has been updated to correct the spelling of a name.",
    "Clarification: this article has been amended to make clear who made the statement.",
    "An earlier version of this story gave the wrong date for the announcement.",
]


def split(raw: str) -> tuple[str, list[str]]:
    headline, _, body = raw.strip().partition("\n\n")
    return headline.strip(), [p for p in body.split("\n\n") if p.strip()]


def join(headline: str, paragraphs: list[str]) -> str:
    return headline + "\n\n" + "\n\n".join(paragraphs) + "\n"


def headline(raw: str, rng: random.Random) -> str:
    """Another headline (the wire's own is rewritten by every desk)."""
    title, body = split(raw)
    words = title.split()
    rng.shuffle(words)
    return join(f"{rng.choice(HEADLINE_WORDS)} {' '.join(words)}", body)


def drop_paragraph(raw: str, rng: random.Random) -> str:
    """A paragraph trimmed to fit (never the only one)."""
    title, body = split(raw)
    if len(body) > 1:
        del body[rng.randrange(1, len(body))]
    return join(title, body)


def add_paragraph(raw: str, rng: random.Random, *, extra: str | None = None) -> str:
    """A paragraph of local context added by the desk (`extra`; by default a fixed one)."""
    title, body = split(raw)
    body.insert(rng.randrange(1, len(body) + 1), extra or (
        "The announcement comes at a sensitive time for the region, where local officials have been pressing for "
        "more support and residents have voiced concern about what the changes will mean for them."))
    return join(title, body)


def spelling(raw: str, rng: random.Random) -> str:
    """House style: British and American spellings swapped, -ise/-ize endings too."""
    def flip(m: re.Match) -> str:
        word = _FLIP.get(m[0].lower(), m[0])
        return word.capitalize() if m[0][0].isupper() else word
    return _IZE.sub(lambda m: f"{m[1]}iz{m[2]}", _SPELLING.sub(flip, raw))


def reword(raw: str, rng: random.Random) -> str:
    """One sentence reworded: synonyms swapped in and its attribution moved to the front."""
    title, body = split(raw)
    i = rng.randrange(len(body))
    sentences = re.split(r"(?<=[.!?])\s+", body[i])
    j = rng.randrange(len(sentences))
    words = [SYNONYMS.get(w.lower(), w) for w in sentences[j].split()]
    if len(words) > 6:
        cut = len(words) // 2
        words = ["According", "to", "reports,"] + words[cut:] + words[:cut]
    sentences[j] = " ".join(words)
    body[i] = " ".join(sentences)
    return join(title, body)


def correction(raw: str, rng: random.Random) -> str:
    """A correction line appended after publication."""
    title, body = split(raw)
    return join(title, body + [rng.choice(CORRECTIONS)])


def boilerplate(raw: str, rng: random.Random) -> str:
    """Another outlet's boilerplate: a credit or sign-up line before or after the story, or both."""
    title, body = split(raw)
    line = lambda: rng.choice(BOILERPLATE).format(year=rng.randint(2004, 2026), outlet=rng.choice(OUTLETS))  # noqa: E731
    where = rng.choice(("before", "after", "both"))
    return join(title, ([line()] if where != "after" else []) + body + ([line()] if where != "before" else []))


def combined(raw: str, rng: random.Random) -> str:
    """What a real copy usually is: several edits at once (two to four of the above)."""
    singles = [headline, drop_paragraph, add_paragraph, spelling, reword, correction, boilerplate]
    for edit in rng.sample(singles, rng.randint(2, 4)):
        raw = edit(raw, rng)
    return raw


EDITS: dict[str, Edit] = {
    "headline": headline, "drop_paragraph": drop_paragraph, "add_paragraph": add_paragraph, "spelling": spelling,
    "reword": reword, "correction": correction, "boilerplate": boilerplate, "combined": combined,
}
