"""Text normalisation: the one place that decides what annotators see.

Every offset in the system refers to the text this module returns, so it is
deterministic: NFC, LF line endings, no control characters, no
HTML markup, paragraphs separated by exactly one blank line.
"""

from __future__ import annotations

import html
import re
import unicodedata

from curation.models import Paragraph

# Real tags only: "<" followed by a tag name, so "a < b" and "x<3" survive.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_HIDDEN = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
# C0/C1 controls except tab and newline (carriage returns are handled first).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*(?:\n[ \t\u00a0]*)+")
_LEADING_SPACE = re.compile(r"\n[ \t\u00a0]+")
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+\n")
_PARAGRAPH_BREAK = "\n\n"


def strip_markup(text: str) -> tuple[str, list[str]]:
    """Remove HTML elements that hide content, then tags, then decode entities."""
    warnings: list[str] = []
    cleaned, hidden = _HIDDEN.subn("", text)
    cleaned = _COMMENT.sub("", cleaned)
    if hidden:
        warnings.append(f"removed {hidden} script/style element(s)")
    cleaned, tags = _TAG.subn("", cleaned)
    if tags:
        warnings.append(f"stripped {tags} HTML tag(s)")
    if tags or hidden or _ENTITY.search(cleaned):
        cleaned = html.unescape(cleaned)
    return cleaned, warnings


def normalize_text(raw: str) -> tuple[str, list[str]]:
    """NFC, LF, no controls or markup, one blank line between paragraphs, trimmed."""
    # Markup first: decoding entities can produce carriage returns and controls.
    text, warnings = strip_markup(raw.removeprefix("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, removed = _CONTROL.subn("", text)
    if removed:
        warnings.append(f"removed {removed} control character(s)")
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE.sub("\n", _LEADING_SPACE.sub("\n", "\n" + text + "\n"))
    text = _BLANK_LINES.sub(_PARAGRAPH_BREAK, text).strip()
    return text, warnings


def join_paragraphs(paragraphs: list[str]) -> str:
    return _PARAGRAPH_BREAK.join(p.strip() for p in paragraphs if p.strip())


def paragraph_offsets(text: str) -> tuple[Paragraph, ...]:
    """Offsets of the blank-line separated paragraphs of normalised text."""
    spans = []
    start = 0
    for chunk in text.split(_PARAGRAPH_BREAK):
        if chunk:
            spans.append(Paragraph(start=start, end=start + len(chunk)))
        start += len(chunk) + len(_PARAGRAPH_BREAK)
    return tuple(spans)
