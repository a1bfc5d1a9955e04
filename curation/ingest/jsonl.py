"""JSONL: one article per line; a bad line is reported with its number, the rest goes on."""

from __future__ import annotations

import json
from collections.abc import Iterator

from curation.ingest.article import make_article
from curation.models import Article, Problem

TEXT_KEYS = ("text", "body")
STRING_KEYS = ("id", "title", "url", "published", "byline", "author", "publisher", "language")


def parse_record(record: object) -> dict:
    """Validate one JSON value as an article record; raise ValueError saying what is wrong."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    text = next((record[k] for k in TEXT_KEYS if record.get(k) is not None), None)
    if text is None:
        raise ValueError("missing required field 'text' (or 'body')")
    if not isinstance(text, str):
        raise ValueError(f"field 'text' must be a string, got {type(text).__name__}")
    for key in STRING_KEYS:
        if record.get(key) is not None and not isinstance(record[key], (str, int)):
            raise ValueError(f"field {key!r} must be a string, got {type(record[key]).__name__}")
    return {
        "raw_text": text,
        "external_id": record.get("id"),
        "title": record.get("title"),
        "url": record.get("url"),
        "published": record.get("published"),
        "byline": record.get("byline") or record.get("author"),
        "publisher": record.get("publisher"),
        "language": record.get("language") or "en",
    }


def parse_jsonl(content: str, *, source_path: str) -> Iterator[Article | Problem]:
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield make_article(**parse_record(json.loads(line)), source_path=source_path, source_line=number)
        except json.JSONDecodeError as exc:
            yield Problem(path=source_path, line=number, message=f"malformed JSON: {exc.msg} at column {exc.colno}")
        except ValueError as exc:
            yield Problem(path=source_path, line=number, message=str(exc))
