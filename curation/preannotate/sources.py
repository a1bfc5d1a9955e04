"""SOURCE spans from attribution frames, and the reported content they frame.

Frames: "X said (that) ...", "X have (long) reported", "X told Y that ...",
"X claims ..." (the source before its verb); "..., said X" (after it);
"according to X"; "X: ..." speaker labels and "“...” ― X" quote signatures;
"X did Y, saying ..." (the clause subject); "his claim that ..." (a possessor).
X is a noun phrase: a name, a title with a name ("Trump lawyer Marc Kasowitz"),
an apposition ("Seoul's defense minister, Kim Yong-hyun"; "Lim Eul-chul, a
professor at ..."), a group ("experts", "senior officials"), a document ("a
report by ...") or a pronoun, which scores lower.

Speed: every frame starts from a word-list hit of the shared scan (a verb, a
participle, "according to"); the costly noun-phrase pattern is only tried where
the word before a verb can end a source, and only from the openings (sentence,
clause or quote start, a conjunction) of a short window before it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import NamedTuple

from curation.preannotate.lexicon import fold, trie_regex
from curation.preannotate.scan import Hit, scan
from curation.preannotate.vocabulary import ACCORDING_TO, CLAIM_NOUNS, INVERTED_VERBS, PARTICIPLES, REPORTING_VERBS
from curation.preannotate.source_types import PRONOUNS, source_type

PEOPLE = """minister ministers ministry ministries secretary spokesman spokeswoman spokesperson spokespeople official
officials expert experts analyst analysts media president presidents premier chancellor governor mayor professor
researcher researchers scientist scientists economist economists doctor doctors police army military government governments
authorities authority agency agencies council committee commission court judge prosecutor prosecutors lawyer lawyers
diplomat diplomats source sources witnesses residents owners leader leaders chief director executive executives
engineer engineers observers critics activist activists lawmakers legislators senator senators officer officers
commander commanders campaigners investigators inspectors pharmacists hydrologists traders farmers workers union
unions company firm group report reports study survey figures data statement document documents newspaper paper
broadcaster website outlet television people others staff team board bank institute department office embassy
regulator watchdog representative representatives member members parents teachers students fans voters pollster
pollsters strategist strategists editor editors candidate candidates nominee nominees chairman chairwoman chair aide
aides adviser advisers advisor advisors counsel attorney attorneys correspondent reporter reporters journalist
journalists columnist host writer author authors founder ceo manager head ambassador envoy congressman
congresswoman lawmaker delegate delegates supporters opponents democrats republicans conservatives liberals poll
polls letter memo campaign administration organization organisation organizations coalition network magazine
brief filing lawsuit complaint ruling analysis official submission clip ad narrator announcer book video"""
NOUN = "(?i:" + trie_regex(set(PEOPLE.split())) + r")\b"
NOT_NAME = "(?!" + trie_regex(
    """On In At But And Or After Before When While If As Since So Yet Then Also However Meanwhile This That These
    Those There It Its We I He She They You Our His Her Their What Why How Who Monday Tuesday Wednesday Thursday
    Friday Saturday Sunday January February March April May June July August September October November December
    Last Next Earlier Later Note Update Photo Video Read Watch See Related Editor Speaking During Despite Under
    For From With Without Among Although Because Unlike Like Now Still Even Just Only Yes No Instead Asked Thus
    Indeed Today Tomorrow Yesterday Here Where Whether Both Many Some Most Other Several The A An""".split()
) + r"\b)"
CAP = NOT_NAME + r"[A-Z][\w’'.&-]*"
NAME = (CAP + r"(?:\s+(?:(?:of|for|and|on|de|van|von|al|bin|du|la)\s+)?" + CAP + r")*"
        r"(?:\s+\([A-Z][\w.-]{0,12}\)|,\s+\d{1,3}(?=,))?")  # "Sen. David Perdue (R-Ga.)", "Quina Jones, 25"
DET = r"(?:(?:[Tt]he|[Aa]n?|[Ss]ome|[Mm]any|[Ss]everal|[Oo]ther|[Bb]oth|[Mm]ost|[Tt]wo|[Tt]hree|[Ff]our|\d+|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+)"
STOP = trie_regex(
    """as and but or that when if while because the a an to of in on at for from with by is are was were be been has
    have had who which what where this these those than then so not also more most said says told after before
    about into over under against during since until something anything nothing everything both what there here
    although though whereas unless whether however meanwhile yet""".split()
)
MOD = r"(?!" + STOP + r"\b)(?:[A-Z][\w’'.&-]*|[a-z][a-z’'-]+)"
BARE_COMMON = r"(?:" + DET + r"(?:" + MOD + r"\s+){0,3}?|(?:" + MOD + r"\s+){0,2}?)" + NOUN
POSTMOD = r"(?:\s+(?:of|for|at|from|with|in|on|to)\s+(?:(?:the|a|an)\s+)?(?:" + NAME + r"|(?:" + MOD + r"\s+)?" + NOUN + r"))"
# An apposition naming a role: "a professor at Seoul's Institute ...", "chief strategist for the RNC".
ROLE = r",\s+(?:" + BARE_COMMON + POSTMOD + r"?|who\s+[^,.;:\"“”\n]{2,120})"  # "..., who runs the campaign,"
PRONOUN = r"(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t)\b"
SOURCE_NP = (
    r"(?:" + BARE_COMMON + r"(?:\s+" + NAME + r"|" + POSTMOD + r"?(?:,\s+" + NAME + r")?)"  # title (+ name), group
    + r"|" + DET + r"?" + NAME + r"(?:" + ROLE + r")?"  # name (+ role)
    + r"|" + PRONOUN + r")"
)
# A noun phrase does not start right after a preposition: "In Washington, the president said".
LEAD = r"(?<![\w’'-])(?<!\bin )(?<!\bat )(?<!\bon )(?<!\bof )(?<!\bto )(?<!\bby )(?<!\bfor )(?<!\bfrom )(?<!\bwith )"
ADVERB_WORDS = "has have had also previously earlier later again long repeatedly publicly privately recently"
ADVERBS = r"(?:(?:" + "|".join(ADVERB_WORDS.split()) + r"|\w+ly)\s+){0,3}"
_ADVERB_WORDS = frozenset(ADVERB_WORDS.split())
_NP_END_WORDS = frozenset(PEOPLE.split()) | {"he", "she", "they", "it"}

# Where a source-first frame can begin: a sentence, clause or quote start, or after a conjunction.
_OPENING = re.compile(r"[,;:“”\"'(—–]\s*|(?<=\s)(?:and|but|that|as|while|because|when|where|if|though|although|so|"
                      r"or|after|before|since|until|whom|which|what|something)\s+")  # a conjunction may follow a comma
# "X (has long) said": the source phrase ends right before the verb (matched with endpos at the verb).
_NOT_IN_SOURCE = "\"“”;:—"  # a source phrase starts after the last of these before its verb
_SOURCE_FIRST = re.compile(LEAD + r"(?P<src>" + SOURCE_NP + r")\s*,?\s+" + ADVERBS + r"\Z")
MAX_SOURCE_CHARS = 160  # a source phrase with its apposition is never longer
MAX_NAME_CHARS = 60
# '"...," said X': punctuation right before the verb, the source right after it up to a stop or comma.
_QUOTE_BEFORE = re.compile(r"[,\"'”’]\s*\Z")
_SOURCE_AFTER = re.compile(r"\s+(?P<src>" + NAME + r",\s+(?!\w+ing\b)[^.;\"“”\n]{2,120}|" + SOURCE_NP + r")"
                           r"(?=\s*[.,;!?]|\s*$)", re.MULTILINE)
_ACCORDING_SOURCE = re.compile(r"\s+(?P<src>[^,.;:\"“”\n]{2,120})")
_SPEAKER = re.compile(r"^[\"“]?(?P<src>" + NAME + r")\s*:\s+(?=\S)", re.MULTILINE)
_SIGNATURE = re.compile(r"[\"”’]\s*[―—–]\s*(?P<src>" + NAME + r")(?:,\s+[^\n.;]{2,80})?(?=\.?[ \t]*(?:\n|\Z))")
_COMMA_BEFORE = re.compile(r",\s+(?:\w+ly\s+)?\Z")
_SUBJECT = re.compile(r"[\"“]?(?P<src>" + SOURCE_NP + r")\s+(?:has\s+|have\s+|had\s+|also\s+|\w+ly\s+)?[a-z]+\b")
_LEADING_ADVERBIAL = re.compile(
    r"(?:In|On|At|During|After|Before|Earlier|Later|Last|Speaking|Asked|Meanwhile|However|But|And|Yet|Still|Also|"
    r"Separately|Instead|Then|Now|Today|Yesterday)\b[^,.;:\"“”]{0,80},\s+"
)
# "his claim that ...", "Trump's statement that ...": the possessor is the source.
_POSSESSOR = re.compile(r"(?P<src>\b(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)|" + NAME + r"(?=[’']s\b))(?:[’']s)?\s+(?:\w+\s+)?\Z")
_VERBS, _INVERTED, _PARTICIPLES, _CLAIM_NOUNS = map(frozenset, (REPORTING_VERBS, INVERTED_VERBS, PARTICIPLES, CLAIM_NOUNS))
_WHEN = r"(?:(?:on|late|early|this|last)\s+)*"  # "on", "late on", "last", "this" before a day or a period
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday"
_TIME = (_WHEN + r"(?:" + _DAYS + r"|week|month|year|morning|afternoon|evening|night)"
         r"(?:\s+(?:morning|afternoon|evening|night))?")
# Where or how something was said: "in a report", "at a news conference", "to reporters", "on social media".
_SETTING = (r"(?:in|at|on|during|to|with|via)\s+(?:[\w’'.-]+\s+){0,4}?(?:report|statement|interview|briefing|conference|"
            r"speech|post|letter|meeting|hearing|e-?mail|address|broadcast|video|message|filing|summit|session|"
            r"parliament|reporters|journalists|lawmakers|media|television|radio|Twitter|Facebook|Telegram)s?\b")
_CIRCUMSTANCE = re.compile(r"(?:" + _SETTING + "|" + _TIME + r")\b", re.IGNORECASE)
_GAPS = " \t\r\n,.;!?"
_LEADING_TIME = re.compile(r"\s*" + _WHEN + r"(?:" + _DAYS + r")\b,?")
_THAT = re.compile(r"\bthat\b")
TELL = frozenset("told tells tell telling".split())
_LEADING_THAT = re.compile(r"\s*(?:that|:)\s")
_DASH = re.compile(r"\s[—–]\s")
_TRAILING_CONJUNCTION = re.compile(r"[\s,;]+(?:and|but|or|so|yet|although|though|while|whereas|because|as)\s*\Z")
_CONTENT_EDGES = " \t\r\n\"'“”‘’,:;—–-"
_CONTENT_END = _CONTENT_EDGES + ".!?"
MIN_CONTENT_WORDS = 3


class Frame(NamedTuple):
    start: int  # where the frame ("X said", ", said X", "according to X") begins
    end: int  # where it ends
    source: tuple[int, int]
    forward: bool  # content follows the frame (else it precedes it)
    verb: str
    base: float  # score of a named source in this frame
    needs_that: bool = False  # "X told Y that ...", "his claim that ...": the content is a that-clause


class Attribution(NamedTuple):
    source: tuple[int, int]
    source_type: str
    score: float
    content: tuple[int, int] | None


def find_attributions(text: str, sentences: Sequence[tuple[int, int]], low: str | None = None,
                      hits: list[Hit] | None = None) -> list[list[Attribution]]:
    """The attributions of each sentence (same order as `sentences`), each with its reported content.

    `low` (the lower-cased text, `lexicon.fold`) and `hits` (`scan(low)`) may be passed in.
    """
    low = fold(text) if low is None else low
    frames = find_frames(text, sentences, scan(low) if hits is None else hits)
    return [_attributions(text, s, e, fs) if fs else [] for (s, e), fs in zip(sentences, frames)]


def find_frames(text: str, sentences: Sequence[tuple[int, int]], hits: list[Hit]) -> list[list[Frame]]:
    """Non-overlapping attribution frames of each sentence, in text order; earlier kinds win overlaps."""
    starts = [s for s, _ in sentences]
    found: list[list[Frame]] = [[] for _ in sentences]
    candidates = chain(
        according_frames(text, hits, starts), speaker_frames(text), signature_frames(text),
        inverted_frames(text, hits), source_first_frames(text, hits, starts), participle_frames(text, hits, starts),
        possessive_frames(text, hits),
    )
    for frame in candidates:
        i = bisect_right(starts, frame.start) - 1
        if i >= 0 and sentences[i][0] <= frame.source[0] and frame.end <= sentences[i][1]:
            if not any(frame.start < f.end and f.start < frame.end for f in found[i]):
                found[i].append(frame)
    for frames in found:
        frames.sort()
    return found


def sentence_start(starts: list[int], pos: int) -> int | None:
    i = bisect_right(starts, pos) - 1
    return starts[i] if i >= 0 else None


def according_frames(text: str, hits: list[Hit], starts: list[int]) -> Iterator[Frame]:
    """"according to X": content after it when it opens the sentence, else before it."""
    for hit in hits:
        if hit.phrase == ACCORDING_TO and (m := _ACCORDING_SOURCE.match(text, hit.end)):
            opens = hit.start == sentence_start(starts, hit.start)
            yield Frame(hit.start, m.end(), m.span("src"), opens, "according to", 0.85)


def speaker_frames(text: str) -> Iterator[Frame]:
    """"X: ..." at the start of a line (interview transcripts, quote lists)."""
    if ":" in text:
        for m in _SPEAKER.finditer(text):
            yield Frame(m.start(), m.end(), m.span("src"), True, ":", 0.7)


def signature_frames(text: str) -> Iterator[Frame]:
    """'"..." ― X' closing a line: the quote is X's."""
    if any(dash in text for dash in "―—–"):
        for m in _SIGNATURE.finditer(text):
            yield Frame(m.start() + 1, m.end(), m.span("src"), False, "―", 0.8)


def inverted_frames(text: str, hits: list[Hit]) -> Iterator[Frame]:
    """'"...," said X' and '..., said X, a professor at ...'."""
    for hit in hits:
        if hit.phrase in _INVERTED and (q := _QUOTE_BEFORE.search(text, max(0, hit.start - 4), hit.start)):
            if m := _SOURCE_AFTER.match(text, hit.end):
                yield Frame(q.start() + 1, m.end(), m.span("src"), False, hit.phrase, 0.8)


def source_first_frames(text: str, hits: list[Hit], starts: list[int]) -> Iterator[Frame]:
    """"X (has long) said ...", "X told Y that ...": the source phrase right before a reporting verb."""
    for hit in hits:
        if hit.phrase in _VERBS and (start := sentence_start(starts, hit.start)) is not None:
            if may_follow_source(text, start, hit.start) and (
                m := source_before(text, max(start, hit.start - MAX_SOURCE_CHARS), hit.start)
            ):
                yield Frame(m.start(), hit.end, m.span("src"), True, hit.phrase, 0.8, needs_that=hit.phrase in TELL)


def participle_frames(text: str, hits: list[Hit], starts: list[int]) -> Iterator[Frame]:
    """"X attacked Y on Monday, saying ...": the subject of the clause is the source."""
    for hit in hits:
        if hit.phrase in _PARTICIPLES and (start := sentence_start(starts, hit.start)) is not None:
            if _COMMA_BEFORE.search(text, max(start, hit.start - 20), hit.start) and (
                subject := clause_subject(text, start, hit.start)
            ):
                yield Frame(hit.start, hit.end, subject, True, hit.phrase, 0.6, needs_that=hit.phrase in TELL)


def possessive_frames(text: str, hits: list[Hit]) -> Iterator[Frame]:
    """"his claim that ...", "Trump's statement that ...": the possessor is the source."""
    for hit in hits:
        if hit.phrase in _CLAIM_NOUNS and (m := _POSSESSOR.search(text, max(0, hit.start - MAX_NAME_CHARS), hit.start)):
            yield Frame(m.start(), hit.end, m.span("src"), True, hit.phrase, 0.6, needs_that=True)


def may_follow_source(text: str, start: int, verb_start: int) -> bool:
    """A cheap test before the costly one: the word before the verb (past adverbs) can end a source phrase."""
    before = text[max(start, verb_start - 40) : verb_start].split()
    while before and (before[-1] in _ADVERB_WORDS or before[-1].endswith("ly")):
        before.pop()
    if not before:
        return False
    last = before[-1]
    return last[:1].isupper() or last[-1:] in ",)" or last.lower() in _NP_END_WORDS


def source_before(text: str, start: int, verb_start: int) -> re.Match[str] | None:
    """The longest source phrase (with adverbs) ending at `verb_start` that opens the sentence, a clause or a quote."""
    start = max(start, *(text.rfind(c, start, verb_start) + 1 for c in _NOT_IN_SOURCE))
    start = verb_start - len(text[start:verb_start].lstrip())
    openings = [start] + [m.end() for m in _OPENING.finditer(text, max(0, start - 1), verb_start)]
    return next(filter(None, (_SOURCE_FIRST.match(text, pos, verb_start) for pos in openings)), None)


def clause_subject(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The source noun phrase opening the clause text[start:end], after a leading adverbial."""
    if lead := _LEADING_ADVERBIAL.match(text, start, end):
        start = lead.end()
    m = _SUBJECT.match(text, start, end)
    return m.span("src") if m else None


def _attributions(text: str, start: int, end: int, frames: list[Frame]) -> list[Attribution]:
    """Each frame's source with its content: after the frame first, else before it, never across another frame."""
    found = []
    for i, f in enumerate(frames):
        s, e = f.source
        phrase = text[s:e].rstrip(" ,")
        if not phrase:
            continue
        left = frames[i - 1].end if i else start
        right = frames[i + 1].start if i + 1 < len(frames) else end
        if i + 1 < len(frames):
            right = cut_at_dash(text, f.end, right)  # "... — something X denied": the rest is X's
        after = content_after(text, f.end, right, needs_that=f.needs_that) if f.forward else None
        content = after or content_before(text, left, f.start, bounded=i > 0)
        score = f.base - (0.2 if phrase.lower() in PRONOUNS else 0.0)
        found.append(Attribution((s, s + len(phrase)), source_type(phrase), round(score, 3), content))
    return found


def content_after(text: str, pos: int, end: int, *, needs_that: bool = False) -> tuple[int, int] | None:
    """What follows the frame: not a bare 'Tuesday' or 'in a report on Monday'; only a that-clause after 'X told Y'
    or 'his claim'."""
    if only_circumstance(text[pos:end]):
        return None
    if needs_that:
        m = _THAT.search(text, pos, min(end, pos + 60))
        return _strip(text, m.end(), end) if m else None
    if m := _LEADING_TIME.match(text, pos, end):
        pos = m.end()
    if m := _LEADING_THAT.match(text, pos, end):
        pos = m.end()
    return _strip(text, pos, end)


def only_circumstance(rest: str) -> bool:
    """Whether what follows "X said" is nothing, or only when, where and how it was said ("in a report on Monday"):
    then the claim came before the frame. A piece at a time, so no pattern backtracks over the rest."""
    rest = rest.strip(_GAPS)
    while rest:
        if not (m := _CIRCUMSTANCE.match(rest)):
            return False
        rest = rest[m.end():].lstrip(_GAPS)
    return True


def content_before(text: str, start: int, end: int, *, bounded: bool) -> tuple[int, int] | None:
    """Content preceding a frame; after another frame it starts past a dash ("... — something X denied")."""
    if bounded and (dashes := list(_DASH.finditer(text, start, end))):
        start = dashes[-1].end()
    return _strip(text, start, end)


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink a content span past spaces, quotes, trailing punctuation and a trailing conjunction ("..., although"
    before the next source); None when too short to be a claim."""
    if m := _TRAILING_CONJUNCTION.search(text, max(start, end - 40), end):  # a short tail: no quadratic search
        end = m.start()
    piece = text[start:end]
    core = piece.lstrip(_CONTENT_EDGES).rstrip(_CONTENT_END)
    if core.count(" ") < MIN_CONTENT_WORDS - 1:
        return None
    first = start + len(piece) - len(piece.lstrip(_CONTENT_EDGES))
    return first, first + len(core)


def cut_at_dash(text: str, start: int, end: int) -> int:
    """End of a forward content that a later frame bounds: before its last dash clause."""
    dashes = list(_DASH.finditer(text, start, end))
    return dashes[-1].start() if dashes else end
