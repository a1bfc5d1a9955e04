"""The schema's source type of a source phrase, from the words it is made of.

named_person, official_body, organisation, media, anonymous, document: the head
of the phrase (before an apposition or a "by ..." complement, so "a report by
the ministry" is a document) decides; a title with a name in apposition is a
person.
"""

from __future__ import annotations

import re
from functools import lru_cache

ORG_WORDS = re.compile(
    r"\b(?:Institute|University|Company|Corp|Inc|Ltd|Group|Association|Union|Party|Bank|Foundation|Center|Centre|"
    r"Campaign|Committee|company|firm|group|union|unions|bank|institute|campaign|party|organization|organisation)\b"
)
OFFICIAL_WORDS = re.compile(
    r"\b(?:ministry|ministries|governments?|authorities|authority|agency|council|committee|commission|court|police|"
    r"army|military|department|office|embassy|regulator|watchdog|administration|prosecutors?|Ministry|Government|"
    r"Agency|Council|Commission|Court|Police|Army|Department|Office|Administration|Kremlin|White House|Pentagon|"
    r"Congress|Senate|Parliament|Korea|Russia|Ukraine|China|Moscow|Pyongyang|Seoul|Washington|Kyiv|Beijing)\b"
)
OFFICIAL_TITLES = re.compile(r"\b(?:minister|president|governor|mayor|secretary|spokes\w+|ambassador)\b", re.I)
MEDIA_WORDS = re.compile(
    r"\b(?:media|newspaper|paper|broadcaster|website|outlet|television|TV|Reuters|AFP|AP|BBC|CNN|Times|Post|News|"
    r"Journal|Tass|Interfax|Xinhua|Yonhap)\b"
)
DOCUMENT_WORDS = re.compile(
    r"\b(?:report|reports|study|survey|figures|data|statement|documents?|filing|analysis|polls?|letter|memo|brief|"
    r"ruling|lawsuit|complaint|transcript|records)\b"
)
ANONYMOUS_WORDS = re.compile(
    r"^(?:(?:some|many|several|other|two|three|both|most|senior|top|local|western|independent|\w+)\s+){0,2}"
    r"(?:experts?|analysts?|officials?|sources?|observers?|critics?|diplomats?|residents?|witness(?:es)?|people|"
    r"researchers?|scientists?|economists?|traders?|owners?|leaders?|campaigners?|hydrologists?|pharmacists?|"
    r"farmers?|workers?|engineers?|doctors?|nurses?|lawyers?|teachers?|students?|parents?|investigators?|"
    r"inspectors?|activists?|others)$",
    re.IGNORECASE,
)
_HEAD = re.compile(r",| by | from | at | published | released ")  # "economists at the central bank": economists
_PERSON_NAME = re.compile(r"[A-Z][\w-]+ [A-Z][\w-]+")
# A lower-case title before a capitalised name: "Trump lawyer Marc Kasowitz", "police Chief Chuck Jordan".
_TITLED_NAME = re.compile(r"(?:^|\s)[a-z][\w-]*\s+(?P<name>(?:[A-Z][\w.’'-]*\s+){1,3}[A-Z][\w’'-]+)$")
PRONOUNS = frozenset("he she they it his her their its".split())


@lru_cache(maxsize=8192)  # the same phrases ("he", "officials") come back in every article
def source_type(phrase: str) -> str:
    """Classify a source phrase into the schema's source types."""
    if phrase.lower() in PRONOUNS:
        return "named_person"
    head = _HEAD.split(phrase, maxsplit=1)[0]
    titled = _TITLED_NAME.search(head)
    if titled and not any(words.search(titled["name"]) for words in (ORG_WORDS, OFFICIAL_WORDS, MEDIA_WORDS)):
        return "named_person"
    if DOCUMENT_WORDS.search(head):
        return "document"
    if MEDIA_WORDS.search(head):
        return "media"
    if ANONYMOUS_WORDS.match(head.strip()):
        return "anonymous"
    if ORG_WORDS.search(head):
        return "organisation"
    if "," in phrase and _PERSON_NAME.search(phrase.split(",")[1]):
        return "named_person"  # a title with the person's name in apposition
    if OFFICIAL_WORDS.search(head) or OFFICIAL_TITLES.search(head):
        return "official_body"
    return "named_person" if head[:1].isupper() else "organisation"
