"""Text normalisation: the one place that decides what annotators see.

Every offset in the system refers to the text this module returns, so it is
deterministic: no HTML markup, LF line endings, no control characters, one blank
line between paragraphs, no spaces at line ends, NFC. It is idempotent except where
decoded entities spell markup ("&lt;b&gt;" -> "<b>"), which is why a parser that
needs normalised text to find structure hands it on as `NormalizedText` rather than
normalising twice.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import NamedTuple

from curation.models import Paragraph

PARAGRAPH_BREAK = "\n\n"

# Real tags only: "<" then a tag name, so "a < b" and "x<3" survive.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_HIDDEN = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_SEPARATORS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": PARAGRAPH_BREAK}
_LINE_BREAKS = re.compile("|".join(map(re.escape, _SEPARATORS)))
# C0/C1 controls except tab and newline (line breaks are converted first).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n{2,}")


class NormalizedText(NamedTuple):
    text: str
    warnings: tuple[str, ...] = ()


def strip_markup(text: str) -> tuple[str, list[str]]:
    """Drop elements whose content is not prose (script, style), then tags, then decode entities."""
    warnings: list[str] = []
    cleaned, hidden = _HIDDEN.subn("", text)
    if hidden:
        warnings.append(f"removed {hidden} script/style element(s)")
    cleaned, comments = _COMMENT.subn("", cleaned)
    if comments:
        warnings.append(f"removed {comments} HTML comment(s)")
    cleaned, tags = _TAG.subn("", cleaned)
    if tags:
        warnings.append(f"stripped {tags} HTML tag(s)")
    if entities := len(_ENTITY.findall(cleaned)):
        warnings.append(f"decoded {entities} HTML entit{'y' if entities == 1 else 'ies'}")
    if tags or hidden or entities:  # only in HTML-ish text: "AT&T" or "&copy" in prose stay as written
        cleaned = html.unescape(cleaned)
    return cleaned, warnings


def normalize_text(raw: str) -> NormalizedText:
    """The annotators' text and what was changed to get it (for `Article.warnings`)."""
    # Markup first: decoding entities can produce carriage returns and controls.
    text, warnings = strip_markup(raw.removeprefix("\ufeff"))
    text = _LINE_BREAKS.sub(lambda m: _SEPARATORS[m[0]], text)
    text, removed = _CONTROL.subn("", text)
    if removed:
        warnings.append(f"removed {removed} control character(s)")
    text = "\n".join(line.strip() for line in text.split("\n"))  # any Unicode space, tabs included
    text = _BLANK_LINES.sub(PARAGRAPH_BREAK, text).strip()
    return NormalizedText(unicodedata.normalize("NFC", text), tuple(warnings))


def paragraph_offsets(text: str) -> tuple[Paragraph, ...]:
    """Offsets of the blank-line separated paragraphs of normalised text."""
    spans = []
    start = 0
    for chunk in text.split(PARAGRAPH_BREAK):
        if chunk:
            spans.append(Paragraph(start=start, end=start + len(chunk)))
        start += len(chunk) + len(PARAGRAPH_BREAK)
    return tuple(spans)
