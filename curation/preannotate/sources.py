"""SOURCE spans from attribution frames, and the reported content they frame.

Frames, in both orders: "X said (that) ...", "..., said X", "X told Y ...",
"according to X", "X have (long) reported"; X may be a name, a title phrase
("Seoul's defense minister"), an apposition ("Seoul's defense minister, Kim
Yong-hyun"), an unnamed group ("experts", "analysts") or a pronoun.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from curation.preannotate.lexicon import trie_regex

VERBS = r"""said|says|say|told|tells|tell|added|adds|stated|states|reported|reports|report|claimed|claims|claim|
warned|warns|warn|announced|announces|noted|notes|argued|argues|insisted|insists|explained|explains|confirmed|
confirms|denied|deny|denies|acknowledged|acknowledges|admitted|admits|believe|believes|suggested|suggests|predicted|
predicts|expect|expects|wrote|writes|testified|alleged|alleges|revealed|reveals|assess|assessed|concluded|
estimated|estimates|maintained|maintains|stressed|stresses|cautioned|emphasised|emphasized|recalled|
conceded|contended|asserted|asserts|declared|disclosed|indicated|observed|remarked|reiterated|replied|cited|cites|
called|calls|accused|accuses|criticized|criticised|criticizes|criticises|attacked|questioned|urged|urges|vowed|vows|
promised|promises|pledged|proposed|tweeted|posted|asked|asks|responded|answered|defended|praised|blamed|blames|
condemned|dismissed|rejected|agreed|agrees|mentioned|described|countered|demanded|recommended|complained|joked|
boasted|bragged|speculated|hoped|feared|worried|think|thinks|thought|knows|found|finds|showed|shows|suggest|
insist|argue|signaled|signalled|hinted|acknowledge|contend|want|wants|wanted|admit|point out|
pointed out|points out|weighed in|chimed in"""
VERB = trie_regex(set(VERBS.replace("\n", "").split("|")))

PEOPLE = """minister ministers ministry ministries secretary spokesman spokeswoman spokesperson spokespeople official
officials expert experts analyst analysts media president presidents premier chancellor governor mayor professor
researcher researchers scientist scientists economist economists doctor doctors police army military government
authorities authority agency agencies council committee commission court judge prosecutor prosecutors lawyer lawyers
diplomat diplomats source sources witnesses residents owners leader leaders chief director executive executives
engineer engineers observers critics activist activists lawmakers legislators senator senators officer officers
commander commanders campaigners investigators inspectors pharmacists hydrologists traders farmers workers union
unions company firm group report reports study survey figures data statement document documents newspaper paper
broadcaster website outlet television people others staff team board bank institute department office embassy
regulator watchdog representative representatives member members parents teachers students fans voters"""
PEOPLE_NOUN = trie_regex(PEOPLE.split())
NOT_NAME = "(?!" + trie_regex(
    """On In At But And Or After Before When While If As Since So Yet Then Also However Meanwhile This That These
    Those There It Its We I He She They You Our His Her Their What Why How Who Monday Tuesday Wednesday Thursday
    Friday Saturday Sunday January February March April May June July August September October November December
    Last Next Earlier Later""".split()
) + r"\b)"
CAP = NOT_NAME + r"[A-Z][\w’'.&-]*"
NAME = CAP + r"(?:\s+(?:(?:of|for|and|de|van|von|al|bin|du|la)\s+)?" + CAP + r")*"
DET = r"(?:(?:[Tt]he|[Aa]n?|[Ss]ome|[Mm]any|[Ss]everal|[Oo]ther|[Bb]oth|[Mm]ost|[Tt]wo|[Tt]hree|[Ff]our|\d+)\s+)"
COMMON = DET + r"?(?:(?:" + CAP + r"|[a-z][a-z-]+)\s+){0,3}?" + PEOPLE_NOUN + r"\b"
# First-person pronouns are left out: inside a quote they are the quoted speaker, who has a frame of their own.
PRONOUN = r"(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t)"
APPOSITION = r"(?:" + COMMON + r",\s+" + NAME + r"|" + NAME + r",\s+(?:a|an|the)\s+[^,.;:\"“”]{2,90})"
SOURCE_NP = r"(?:" + APPOSITION + r"|" + DET + r"?" + NAME + r"|" + COMMON + r"|" + PRONOUN + r")"
ADVERBS = r"(?:(?:has|have|had|also|previously|earlier|later|again|long|repeatedly|publicly|privately|recently|\w+ly)\s+){0,3}"

_FORWARD = re.compile(r"(?<![\w’'-])(?P<src>" + SOURCE_NP + r")\s*,?\s+" + ADVERBS + r"(?P<verb>" + VERB + r")\b")
_INVERTED = re.compile(
    r"[,\"”’]\s*(?P<verb>said|says|told|added|wrote|asked|explained|warned|noted)\s+(?P<src>"
    + NAME + r"(?:,\s+(?:a|an|the)\s+[^.;\"“”]{2,120})?|" + COMMON + r"(?:,\s+" + NAME + r")?|" + PRONOUN + r")"
    r"(?=\s*[.,;!?]|\s*$)"
)
_ANY_VERB = re.compile(r"\b" + VERB + r"\b")
MAX_SOURCE_CHARS = 200  # a source phrase with its apposition is never longer: the frame search starts there
_ACCORDING = re.compile(r"\b[Aa]ccording\s+to\s+(?P<src>[^,.;:\"“”]{2,120})")
_TIME_ONLY = re.compile(
    r"^\s*(?:(?:on|late|early|this|last)\s+)*(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|"
    r"yesterday|week|month|year|morning|afternoon|evening|night)?\s*(?:morning|afternoon|evening|night)?\s*[.,;!?]*\s*$",
    re.IGNORECASE,
)
_LEADING_TIME = re.compile(
    r"^\s*(?:(?:on|late|early|this|last)\s+)*(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday)\b,?\s*",
)
_THAT = re.compile(r"\bthat\b")

ORG_WORDS = re.compile(
    r"\b(?:Institute|University|Company|Corp|Inc|Ltd|Group|Association|Union|Party|Bank|Foundation|Center|Centre|"
    r"company|firm|group|union|unions|bank|institute)\b"
)
OFFICIAL_WORDS = re.compile(
    r"\b(?:ministry|ministries|government|authorities|authority|agency|council|committee|commission|court|police|"
    r"army|military|department|office|embassy|regulator|watchdog|Ministry|Government|Agency|Council|Commission|"
    r"Court|Police|Army|Department|Office|Kremlin|White House|Pentagon|Korea|Russia|Ukraine|China|Moscow|"
    r"Pyongyang|Seoul|Washington|Kyiv|Beijing)\b"
)
MEDIA_WORDS = re.compile(
    r"\b(?:media|newspaper|paper|broadcaster|website|outlet|television|TV|Reuters|AFP|AP|BBC|CNN|Times|Post|News|"
    r"Journal|Tass|Interfax|Xinhua|Yonhap|agency reported)\b"
)
DOCUMENT_WORDS = re.compile(r"\b(?:report|reports|study|survey|figures|data|statement|documents?|filing|analysis|poll)\b")
ANONYMOUS_WORDS = re.compile(
    r"^(?:(?:some|many|several|other|two|three|both|most|senior|top|local|western|independent|\w+)\s+){0,2}"
    r"(?:experts?|analysts?|officials?|sources?|observers|critics|diplomats?|residents|witnesses|people|researchers|"
    r"scientists|economists|traders|owners|leaders|campaigners|hydrologists|pharmacists|farmers|workers)$",
    re.IGNORECASE,
)
PRONOUNS = frozenset("he she they it".split())


class Attribution(NamedTuple):
    source: tuple[int, int]
    source_type: str
    score: float
    content: tuple[int, int] | None


def source_type(phrase: str) -> str:
    """Classify a source phrase into the schema's source types."""
    head = re.split(r",| by | from | published | released ", phrase)[0]  # "a report by X" is a document
    if phrase.lower() in PRONOUNS:
        return "named_person"
    if DOCUMENT_WORDS.search(head):
        return "document"
    if MEDIA_WORDS.search(head):
        return "media"
    if ANONYMOUS_WORDS.match(head.strip()):
        return "anonymous"
    if ORG_WORDS.search(head):
        return "organisation"
    if "," in phrase and re.search(r"[A-Z][\w-]+ [A-Z][\w-]+", phrase.split(",")[1]):
        return "named_person"  # a title with the person's name in apposition
    if OFFICIAL_WORDS.search(head) or re.search(r"\b(?:minister|president|governor|mayor|secretary)\b", head, re.I):
        return "official_body"
    return "named_person" if re.match(r"[A-Z]", head) else "organisation"


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink a content span past spaces, quotes and trailing punctuation."""
    while start < end and (text[start].isspace() or text[start] in "\"'“”‘’,:;—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\"'“”‘’,.;:!?—–-"):
        end -= 1
    return (start, end) if end - start >= 8 else None


def content_after(text: str, pos: int, end: int, verb: str) -> tuple[int, int] | None:
    """What follows the reporting verb: skip 'Tuesday', an indirect object before 'that'."""
    while pos < end and text[pos].isspace():
        pos += 1
    rest = text[pos:end]
    if _TIME_ONLY.match(rest):
        return None
    if verb.startswith("told") or verb.startswith("tell"):
        m = _THAT.search(rest, 0, 60)
        if not m:
            return None
        return _strip(text, pos + m.end(), end)
    if m := _LEADING_TIME.match(rest):
        pos += m.end()
    if text.startswith("that ", pos):
        pos += 5
    return _strip(text, pos, end)


class Frame(NamedTuple):
    source: tuple[int, int]
    start: int  # where the frame ("X said", ", said X", "according to X") begins
    end: int  # where it ends
    forward: bool  # content may follow the frame
    verb: str
    base: float


def find_frames(text: str, start: int, end: int) -> list[Frame]:
    """Non-overlapping attribution frames of the sentence, in text order."""
    frames: list[Frame] = []
    for m in _ACCORDING.finditer(text, start, end):
        frames.append(Frame(m.span("src"), m.start(), m.end(), m.start() == start, "according to", 0.85))
    verb = _ANY_VERB.search(text, start, end)
    if verb is None:  # most sentences: skip the costly noun-phrase patterns
        return frames
    for m in _INVERTED.finditer(text, start, end):
        frames.append(Frame(m.span("src"), m.start() + 1, m.end(), False, m.group("verb"), 0.8))
    for m in _FORWARD.finditer(text, max(start, verb.start() - MAX_SOURCE_CHARS), end):
        frames.append(Frame(m.span("src"), m.start(), m.end(), True, m.group("verb"), 0.8))
    kept: list[Frame] = []
    for f in frames:  # earlier patterns win overlaps: they are the more specific
        if not any(f.start < k.end and k.start < f.end for k in kept):
            kept.append(f)
    return sorted(kept)


def find_attributions(text: str, start: int, end: int) -> list[Attribution]:
    """Attribution frames inside the sentence text[start:end], each with its content.

    Content is looked for after the frame first, then before it, and never
    reaches into a neighbouring frame.
    """
    frames = find_frames(text, start, end)
    found = []
    for i, f in enumerate(frames):
        s, e = f.source
        while e > s and text[e - 1] in " ,":
            e -= 1
        if e <= s:
            continue
        left = frames[i - 1].end if i else start
        right = frames[i + 1].start if i + 1 < len(frames) else end
        after = content_after(text, f.end, right, f.verb) if f.forward else None
        content = after or _strip(text, left, f.start)
        phrase = text[s:e]
        score = f.base - (0.2 if phrase.lower() in PRONOUNS else 0.0)
        found.append(Attribution((s, e), source_type(phrase), round(score, 3), content))
    return found
