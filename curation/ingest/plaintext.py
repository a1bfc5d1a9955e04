"""Plain-text articles: peel the header (title, byline, date, photo credit) and the
trailer ("Original url: ...") off the body.

Two shapes are common: the wire-story page dump (title, "By <u>AFP</u>", a date
line, a photo caption ending in "Name / Agency", body, "Original url:" and a URL
broken by line wrapping) and the plain "headline, blank line, body" shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curation.ingest.article import clean_url, make_article, parse_date
from curation.ingest.normalize import normalize_text
from curation.models import Article

MAX_TITLE_CHARS = 250
MAX_HEADER_BLOCKS = 6

_BYLINE = re.compile(r"^by\s+(?P<who>\S.{0,150})$", re.IGNORECASE)
_DATE_LIKE = re.compile(
    r"^(?:(?:published|updated|posted)\s*:?\s*)?[\w ,./:-]{6,40}$", re.IGNORECASE
)
_MONTH_OR_ISO = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}",
    re.IGNORECASE,
)
# "North Korean soldiers. Pedro Pardo / AFP", "Photo: Reuters", "(Image credit: Getty)"
_CREDIT = re.compile(
    r"(?:\b[\w.'-]+(?: [\w.'-]+){0,4} / [\w&.' -]{2,40}|\b(?:photo|image|picture|credit)s?(?: credit)?\s*:\s*.{2,80}\)?)$",
    re.IGNORECASE,
)
_URL_LABEL = re.compile(r"^(?:original\s+)?(?:url|source|link)\s*:\s*(?P<url>.*)$", re.IGNORECASE | re.DOTALL)
_BARE_URL = re.compile(r"^https?://\S+(?: \S+)?$")


@dataclass
class Parts:
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    url: str | None = None
    body: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_date_line(block: str) -> bool:
    return bool(_DATE_LIKE.match(block) and _MONTH_OR_ISO.search(block) and parse_date(_strip_date_label(block)))


def _strip_date_label(block: str) -> str:
    return re.sub(r"^(?:published|updated|posted)\s*:?\s*", "", block, flags=re.IGNORECASE)


def is_title(block: str) -> bool:
    return "\n" not in block and len(block) <= MAX_TITLE_CHARS and not block.endswith((".", ":"))


def split_header(blocks: list[str], parts: Parts) -> list[str]:
    """Consume title, byline, date and credit blocks from the top; return the rest."""
    if len(blocks) > 1 and is_title(blocks[0]) and not _BYLINE.match(blocks[0]):
        parts.title, blocks = blocks[0], blocks[1:]
    for i, block in enumerate(blocks[:MAX_HEADER_BLOCKS]):
        if "\n" in block:
            return blocks[i:]
        if (m := _BYLINE.match(block)) and parts.byline is None:
            parts.byline = m["who"]
        elif is_date_line(block) and parts.published is None:
            parts.published = _strip_date_label(block)
        elif len(block) < 300 and _CREDIT.search(block):
            parts.warnings.append(f"dropped photo caption/credit line {block!r}")
        else:
            return blocks[i:]
    return blocks[MAX_HEADER_BLOCKS:]


def split_trailer(blocks: list[str], parts: Parts) -> list[str]:
    """Consume a trailing 'Original url:' (+ URL) or bare URL; return the rest."""
    for i in range(max(len(blocks) - 2, 0), len(blocks)):
        if m := _URL_LABEL.match(blocks[i]):
            parts.url = clean_url(" ".join([m["url"], *blocks[i + 1 :]]))
            parts.warnings.append("moved the trailing source URL out of the text")
            return blocks[:i]
    if blocks and _BARE_URL.match(blocks[-1]):
        parts.url = clean_url(blocks[-1])
        parts.warnings.append("moved the trailing source URL out of the text")
        return blocks[:-1]
    return blocks


def split_parts(raw: str) -> Parts:
    text, warnings = normalize_text(raw)
    parts = Parts(warnings=warnings)
    blocks = [b for b in text.split("\n\n") if b]
    body = split_trailer(split_header(blocks, parts), parts)
    parts.body = body
    return parts


def parse_text(raw: str, *, source_path: str, source_line: int | None = None, **metadata: object) -> Article:
    """An Article from a plain-text page; explicit `metadata` wins over what the header says."""
    parts = split_parts(raw)
    found = {"title": parts.title, "byline": parts.byline, "published": parts.published, "url": parts.url}
    return make_article(
        "\n\n".join(parts.body),
        source_path=source_path,
        source_line=source_line,
        warnings=parts.warnings,
        **{**found, **{k: v for k, v in metadata.items() if v is not None}},
    )
