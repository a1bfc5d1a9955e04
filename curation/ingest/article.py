"""Building an `Article`: ids, hashes and metadata clean-up shared by every format."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from urllib.parse import urlsplit

from dateutil import parser as dateparser

from curation.ingest.normalize import normalize_text, paragraph_offsets
from curation.models import Article

_WHITESPACE = re.compile(r"\s+")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_url(url: str | None) -> str | None:
    """URLs contain no whitespace: a space in one is a line-wrapping accident."""
    if not url:
        return None
    url = _WHITESPACE.sub("", url)
    return url if urlsplit(url).scheme in ("http", "https") else None


def publisher_from_url(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def parse_date(value: object) -> dt.date | None:
    """A date from ISO strings, 'October 08, 2024' and the like; None when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dateparser.parse(value.strip(), fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def clean_field(value: object) -> str | None:
    if value is None:
        return None
    text, _ = normalize_text(str(value))
    text = _WHITESPACE.sub(" ", text)
    return text or None


def make_article(
    raw_text: str,
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
    warnings: list[str] | None = None,
) -> Article:
    """Normalise the text and metadata and derive the ids; raises ValueError on an empty text."""
    text, norm_warnings = normalize_text(raw_text)
    if not text:
        raise ValueError("no article text after normalisation")
    url_clean = clean_url(str(url)) if url else None
    date = parse_date(published)
    meta = {
        "title": clean_field(title),
        "byline": clean_field(byline),
        "published": date.isoformat() if date else None,
        "url": url_clean,
        "publisher": clean_field(publisher) or publisher_from_url(url_clean),
        "language": clean_field(language),
    }
    ext = clean_field(external_id)
    identity = f"id:{ext}" if ext else f"url:{url_clean}" if url_clean else f"text:{text}"
    all_warnings = list(warnings or []) + norm_warnings
    if published and date is None:
        all_warnings.append(f"could not parse date {published!r}")
    return Article(
        article_id="art_" + sha256(identity)[:16],
        content_hash=sha256(json.dumps({"text": text, **meta}, sort_keys=True, ensure_ascii=False)),
        text=text,
        paragraphs=paragraph_offsets(text),
        external_id=ext,
        source_path=source_path,
        source_line=source_line,
        warnings=tuple(all_warnings),
        **meta,
    )
