"""Text normalisation: the one place that decides what annotators see.

Every offset in the system refers to the text this module returns, so it is
deterministic: no HTML markup, LF line endings, no control characters, no invisible
formatting characters that change how the text displays, one blank line between
paragraphs, no spaces at line ends, NFC. It is idempotent except where decoded
entities spell markup ("&lt;b&gt;" -> "<b>", kept as text), which is why a parser
that needs normalised text to find structure hands it on as `NormalizedText` rather
than normalising twice.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
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
# Invisible characters that change how text displays or splits words without showing:
# bidi embeddings/overrides/isolates (the "Trojan Source" trick: annotators would read
# another order than the one spans refer to), zero-width space, word joiner, invisible
# operators, soft hyphen, a BOM inside the text, Unicode tag characters (used to smuggle
# hidden text) unless they spell an emoji flag after U+1F3F4. Removed.
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
    "|(?<![\U0001f3f4\U000e0020-\U000e007f])[\U000e0000-\U000e007f]+"
)
# Zero-width (non-)joiners are needed by emoji sequences and by Arabic/Indic scripts, but
# never between two Latin letters or digits, where they only hide a word from matching.
_LATIN_JOINER = re.compile(r"(?<=[A-Za-z0-9])[\u200c\u200d]+(?=[A-Za-z0-9])")
# Bidi marks (LRM, RLM, ALM) are zero-width and cannot reorder other characters; RTL text
# needs them. Kept, with a warning.
_BIDI_MARK = re.compile("[\u061c\u200e\u200f]")
# One cheap test for the whole family, so the common path pays a single scan.
_SUSPECT = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")


STRIPPED_TAGS = "stripped"  # "stripped 2 HTML tag(s)": formatting leftovers (<u>, <p>), routine


class NormalizedText(NamedTuple):
    text: str
    warnings: tuple[str, ...] = ()


def code_points(found: list[str]) -> str:
    """'U+200B x2, U+202E' for the characters found, most frequent first."""
    counts = Counter(ch for chunk in found for ch in chunk)
    return ", ".join(f"U+{ord(ch):04X}" + (f" x{n}" if n > 1 else "") for ch, n in counts.most_common(5))


def markup_like(text: str) -> str | None:
    """A warning when the text shows what looks like a tag: it is kept as text (it was
    written with entities, or is code), so whoever renders it as HTML must escape it."""
    if (m := _TAG.search(text)) is None:
        return None
    return f"kept markup-like text {m[0][:40]!r} as text, not markup (escape it wherever the text is rendered as HTML)"


def markup_notes(removed: Counter[str]) -> list[str]:
    """What removing markup did, in the words every format uses."""
    n = removed
    notes = [f"removed {n['hidden']} script/style element(s)"] if n["hidden"] else []
    notes += [f"removed {n['comments']} HTML comment(s)"] if n["comments"] else []
    notes += [f"{STRIPPED_TAGS} {n['tags']} HTML tag(s)"] if n["tags"] else []
    return notes + ([f"decoded {n['entities']} HTML entit{'y' if n['entities'] == 1 else 'ies'}"] if n["entities"] else [])


def strip_markup(text: str, removed: Counter[str]) -> str:
    """Drop elements whose content is not prose (script, style), then tags, then decode
    entities, counting each in `removed`. Decoding comes last, so entity-encoded markup
    ("&lt;script&gt;") becomes text that is shown, never markup that is removed or run."""
    cleaned, hidden = _HIDDEN.subn("", text)
    cleaned, comments = _COMMENT.subn("", cleaned)
    cleaned, tags = _TAG.subn("", cleaned)
    entities = len(_ENTITY.findall(cleaned))
    removed.update(hidden=hidden, comments=comments, tags=tags, entities=entities)
    if tags or hidden or entities:  # only in HTML-ish text: "AT&T" or "&copy" in prose stay as written
        cleaned = html.unescape(cleaned)
    return cleaned


def remove_invisible(text: str) -> tuple[str, list[str]]:
    """Remove the invisible characters that hide or reorder text; say what was removed and kept."""
    warnings: list[str] = []
    found = _INVISIBLE.findall(text)
    if found:
        text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFC", text)  # "\u212a" (Kelvin) is "K" only after NFC
    joiners = _LATIN_JOINER.findall(text)
    if joiners:
        text = _LATIN_JOINER.sub("", text)
    if found or joiners:
        removed = sum(map(len, found + joiners))
        warnings.append(f"removed {removed} invisible formatting character(s) ({code_points(found + joiners)}): bidi controls, zero-width or tag characters")
    if marks := _BIDI_MARK.findall(text):
        warnings.append(f"kept {len(marks)} bidi mark(s) ({code_points(marks)}): zero-width, needed by right-to-left text")
    return text, warnings


def normalize_text(raw: str, *, markup: bool = True) -> NormalizedText:
    """The annotators' text and what was changed to get it (for `Article.warnings`).

    `markup=False` for text a parser already extracted from markup (HTML via
    trafilatura, Markdown via markdown-it): what looks like a tag in it is text."""
    # Markup first: decoding entities can produce carriage returns and controls.
    text, warnings = raw.removeprefix("\ufeff"), []
    if markup and ("<" in text or "&" in text):  # every tag, comment and entity needs one
        removed = Counter[str]()
        text = strip_markup(text, removed)
        warnings = markup_notes(removed)
    text = _LINE_BREAKS.sub(lambda m: _SEPARATORS[m[0]], text)
    text, removed = _CONTROL.subn("", text)
    if removed:
        warnings.append(f"removed {removed} control character(s)")
    if not text.isascii() and _SUSPECT.search(text):  # isascii() is O(1): most text skips the scan
        text, invisible = remove_invisible(text)
        warnings += invisible
    text = "\n".join(line.strip() for line in text.split("\n"))  # any Unicode space, tabs included
    text = _BLANK_LINES.sub(PARAGRAPH_BREAK, text).strip()
    text = unicodedata.normalize("NFC", text)
    if "<" in text and (note := markup_like(text)):
        warnings.append(note)
    return NormalizedText(text, tuple(warnings))


def paragraph_offsets(text: str) -> tuple[Paragraph, ...]:
    """Offsets of the blank-line separated paragraphs of normalised text."""
    spans = []
    start = 0
    for chunk in text.split(PARAGRAPH_BREAK):
        if chunk:
            spans.append(Paragraph(start=start, end=start + len(chunk)))
        start += len(chunk) + len(PARAGRAPH_BREAK)
    return tuple(spans)
