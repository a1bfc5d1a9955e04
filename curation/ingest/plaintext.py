"""Plain-text articles: peel the header (title, byline, date, photo caption/credit) and
the trailer ("Original url: ...") off the body.

Two shapes are common: the wire-story page dump (title, "By <u>AFP</u>", a date
line, a photo caption ending in "Name / Agency", body, "Original url:" and a URL
broken by line wrapping) and the plain "headline, blank line, body" shape. Header
lines may stand in blocks of their own or share one; the header is only peeled
while every line of a block is recognisably header, so body text is never lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curation.ingest.article import clean_url, make_article, parse_date
from curation.ingest.normalize import PARAGRAPH_BREAK, NormalizedText, normalize_text
from curation.models import Article

MAX_TITLE_CHARS = 250
MAX_CAPTION_CHARS = 300
MAX_HEADER_BLOCKS = 6
MAX_BYLINE_WORDS = 12
# What peeling a page dump does by design (see README): recorded on the article, not a warning.
DROPPED_CAPTION = "dropped photo caption/credit line"
MOVED_URL = "moved the trailing source URL out of the text"

_BYLINE = re.compile(r"^(?:written\s+)?by\s*:?\s+(?:the\s+)?(?P<who>\S.*)$", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^(?:(?:first\s+|last\s+)?(?:published|updated|posted)(?:\s+on)?|date)\s*:?\s*", re.IGNORECASE)
_DATE_HINT = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}",
    re.IGNORECASE,
)
MAX_DATE_CHARS = 60
_FIELD_SEPARATOR = re.compile(r"\s+[|•·]\s+")
# A caption ends in a credit, after a sentence end or alone on its line:
# "North Korean soldiers. Pedro Pardo / AFP", "Photo: Reuters", "(Image credit: Getty Images)".
_CREDIT = re.compile(
    r"(?:^|[.!?\"”’)]\s+)\(?(?:"
    r"(?i:photo(?:graph)?s?|images?|pictures?|credits?)(?i:\s+credits?)?\s*:\s*\S.{0,80}"
    r"|(?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*\s*/\s*[A-Z][\w&.'’/ -]{0,40}"
    r")\)?$"
)
_URL_LABEL = re.compile(r"^(?:original\s+|source\s+)?(?:url|source|link)\s*:\s*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
# After a label, a URL may be broken by a stray space or two from line wrapping
# ("...-seoul-a8 6607"); a bare last line only counts as a URL when it is one token.
_LABELLED_URL = re.compile(r"https?://\S+(?:\s+\S+){0,2}")
_BARE_URL = re.compile(r"https?://\S+")


@dataclass
class Parts:
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    url: str | None = None
    warnings: list[str] = field(default_factory=list)


def byline_of(line: str) -> str | None:
    """"Jane Doe and John Smith" from "By Jane Doe and John Smith"; None for prose
    such as "By the time the rain stopped, ..." (names are mostly capitalised)."""
    m = _BYLINE.match(line)
    if not m or m["who"].endswith((".", "!", "?", ":")):
        return None
    words = [w for w in m["who"].replace(",", " ").split() if w[0].isalpha()]
    capitalised = sum(w[0].isupper() for w in words)
    if not words or not words[0][0].isupper() or len(words) > MAX_BYLINE_WORDS or capitalised < 0.6 * len(words):
        return None
    return m["who"]


def date_of(line: str) -> str | None:
    """"October 08, 2024" from a date line (optionally "Published: ..."); None otherwise."""
    text = _DATE_LABEL.sub("", line)
    if len(line) > MAX_DATE_CHARS or not _DATE_HINT.search(text) or parse_date(text) is None:
        return None
    return text


def is_credit(line: str) -> bool:
    return len(line) <= MAX_CAPTION_CHARS and _CREDIT.search(line) is not None


def header_items(block: str) -> list[str]:
    """The block's lines, a line split at " | " unless it is one date ("8 Oct 2024 | 10:32")."""
    return [item for line in block.split("\n") for item in ([line] if date_of(line) else _FIELD_SEPARATOR.split(line))]


def take_header_block(block: str, parts: Parts) -> bool:
    """Record the block's byline/date/credit items and say True, or change nothing and
    say False when any item of it is not header."""
    items = header_items(block)
    fields = [(byline_of(item), date_of(item), is_credit(item)) for item in items]
    if not all(any(f) for f in fields):
        return False
    for (who, date, credit), line in zip(fields, items):
        if who:
            parts.byline = parts.byline or who
        elif date:
            parts.published = parts.published or date
        elif credit:
            parts.warnings.append(f"{DROPPED_CAPTION} {line!r}")
    return True


def is_title(line: str) -> bool:
    return (
        len(line) <= MAX_TITLE_CHARS
        and not line.rstrip("\"'”’)").endswith((".", ":", ",", ";"))
        and not (byline_of(line) or date_of(line))
    )


def split_header(blocks: list[str], parts: Parts) -> list[str]:
    """Take the title (line 1, when the rest of its block is header and a body follows),
    then whole header blocks; return the body blocks."""
    first, _, rest = blocks[0].partition("\n")
    if len(blocks) > 1 and is_title(first) and (not rest or take_header_block(rest, parts)):
        parts.title, blocks = first, blocks[1:]
    taken = 0
    while taken < min(MAX_HEADER_BLOCKS, len(blocks)) and take_header_block(blocks[taken], parts):
        taken += 1
    return blocks[taken:]


def split_trailer(blocks: list[str], parts: Parts) -> list[str]:
    """Take a trailing "Original url: <url>" (the URL maybe in the next block) or a bare
    URL ending the text; return the body blocks. "Source: Ministry of Health" stays."""
    for i in range(max(len(blocks) - 2, 0), len(blocks)):
        if label := _URL_LABEL.match(blocks[i]):
            found = _LABELLED_URL.fullmatch(" ".join([label["rest"], *blocks[i + 1 :]]).strip())
        else:
            found = _BARE_URL.fullmatch(blocks[i]) if i == len(blocks) - 1 else None
        if found and (url := clean_url(found[0])):
            parts.url = url
            parts.warnings.append(MOVED_URL)
            return blocks[:i]
    return blocks


def parse_text(raw: str, *, source_path: str, source_line: int | None = None, **metadata: object) -> Article:
    """An Article from a plain-text page; explicit `metadata` wins over what the header says."""
    text, warnings = normalize_text(raw)
    parts = Parts(warnings=list(warnings))
    blocks = text.split(PARAGRAPH_BREAK) if text else []
    body = split_trailer(split_header(blocks, parts), parts) if blocks else []
    if blocks and not body:
        raise ValueError("no article body: the text holds only a header (title, byline, date, credit or URL)")
    found = {"title": parts.title, "byline": parts.byline, "published": parts.published, "url": parts.url}
    return make_article(
        NormalizedText(PARAGRAPH_BREAK.join(body), tuple(parts.warnings)),
        source_path=source_path,
        source_line=source_line,
        metadata_is_text=True,  # found in the normalised text; explicit `metadata` is text too
        **{**found, **{k: v for k, v in metadata.items() if v is not None}},
    )
