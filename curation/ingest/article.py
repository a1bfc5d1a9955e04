"""Building an `Article`: the one place where text is normalised and ids, hashes and
metadata are derived, whatever the input format."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from dateutil import parser as dateparser

from curation.ingest.normalize import NormalizedText, normalize_text, paragraph_offsets
from curation.models import Article

_WHITESPACE = re.compile(r"\s+")
_DATE_SEPARATORS = re.compile(r"\s*[|•·]\s*")
# Two far-apart defaults: a field dateutil fills in from them was missing from the string.
_DEFAULTS = (dt.datetime(2001, 1, 1), dt.datetime(2002, 2, 2))
# One bound for every metadata field: the practical URL limit; a title or byline longer
# than this is body text or an attack, and would be copied into every task and dataset row.
MAX_FIELD_CHARS = 2_048
_SCALARS = (str, int, float, dt.date)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_url(url: str | None) -> str | None:
    """An http(s) URL, or None. URLs contain no whitespace: a space in one is a line-wrapping accident."""
    if not url:
        return None
    url = _WHITESPACE.sub("", url)
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def publisher_from_url(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def parse_date(value: object) -> dt.date | None:
    """A full date (year, month and day all given) from ISO strings, 'October 08, 2024',
    'Tue, 8 Oct 2024 10:32 BST' and the like; None otherwise. Partial dates ('May 2024')
    are refused: dateutil would fill the gaps from today's date, and ids must not drift."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = _DATE_SEPARATORS.sub(" ", value.strip())
    try:
        a, b = (dateparser.parse(text, default=d, ignoretz=True).date() for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    return a if a == b else None


def shown(value: object, limit: int = 60) -> str:
    """A value quoted for a message, cut short: messages stay one readable line."""
    text = str(value)
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text):,} characters)"


def checked_field(name: str, value: object) -> object:
    """`value` when it is one short scalar; ValueError naming the field otherwise. Checked
    before anything turns it into a string: a YAML list of aliases can stand for gigabytes."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, _SCALARS):  # YAML reads `language: no` as False
        raise ValueError(f"field {name!r} must be a string, a number or a date, got {type(value).__name__}")
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        raise ValueError(f"field {name!r} is {len(value):,} characters, over the {MAX_FIELD_CHARS:,} limit")
    return value


def clean_field(value: object, name: str, notes: list[str], markup: bool) -> str | None:
    """A one-line metadata value: normalised like the text, whitespace runs collapsed;
    what normalising changed goes to `notes`, prefixed with the field's name."""
    if value is None:
        return None
    text, warnings = normalize_text(str(value), markup=markup)
    notes += [f"{name}: {w}" for w in warnings]
    return _WHITESPACE.sub(" ", text) or None


def make_article(
    text: str | NormalizedText,
    *,
    source_path: str,
    source_line: int | None = None,
    title: object = None,
    byline: object = None,
    published: object = None,
    url: object = None,
    publisher: object = None,
    language: object = "en",
    external_id: object = None,
    warnings: Iterable[str] = (),
    metadata_is_text: bool = False,
) -> Article:
    """Normalise raw `text` (a `NormalizedText` is taken as is) and the metadata, and
    derive the ids; ValueError when no text is left or a metadata field is not one
    short value (see `checked_field`). `metadata_is_text` when the parser already turned
    the metadata into text (a Markdown heading, trafilatura's title): no markup pass then,
    so a title "Why &lt;b&gt; matters" keeps its "<b>"."""
    fields = {"title": title, "byline": byline, "published": published, "url": url,
              "publisher": publisher, "language": language, "id": external_id}
    fields = {name: checked_field(name, value) for name, value in fields.items()}
    markup = not metadata_is_text
    body = text if isinstance(text, NormalizedText) else normalize_text(text)
    if not body.text:
        raise ValueError("no article text (empty after normalisation)")
    notes = [*warnings, *body.warnings]
    url = fields["url"]
    url_clean = clean_url(str(url)) if url else None
    if url and not url_clean:
        notes.append(f"ignored url {shown(url)}: not an http(s) URL")
    published = fields["published"]
    date = parse_date(published)
    if published and date is None:
        notes.append(f"ignored date {shown(published)}: not a full date")
    meta = {
        "title": clean_field(fields["title"], "title", notes, markup),
        "byline": clean_field(fields["byline"], "byline", notes, markup),
        "published": date.isoformat() if date else None,
        "url": url_clean,
        "publisher": clean_field(fields["publisher"], "publisher", notes, markup) or publisher_from_url(url_clean),
        "language": clean_field(fields["language"], "language", notes, markup),
    }
    given_id = clean_field(fields["id"], "id", notes, markup)
    identity = f"id:{given_id}" if given_id else f"url:{url_clean}" if url_clean else f"text:{body.text}"
    return Article(
        article_id="art_" + sha256(identity)[:16],
        content_hash=sha256(json.dumps({"text": body.text, **meta}, sort_keys=True, ensure_ascii=False)),
        text=body.text,
        paragraphs=paragraph_offsets(body.text),
        external_id=given_id,
        source_path=source_path,
        source_line=source_line,
        warnings=tuple(notes),
        **meta,
    )
