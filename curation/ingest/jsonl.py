"""JSONL: one article per line; a bad line is reported with its number, the rest goes on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from curation.ingest.article import make_article
from curation.ingest.read import InputError
from curation.models import Article, Problem

TEXT_KEYS = ("text", "body")
STRING_KEYS = ("title", "url", "published", "byline", "author", "publisher", "language")
# An article record is an object of strings; Python's parser recurses per level and
# would raise RecursionError (a traceback) near 1,000.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(line: str) -> bool:
    """True when the JSON on `line` nests more than MAX_JSON_DEPTH levels. Only lines with
    that many brackets are scanned, so an ordinary line costs two `str.count`s."""
    if line.count("[") + line.count("{") <= MAX_JSON_DEPTH:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub("", line)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def record_fields(record: object) -> dict[str, object]:
    """`make_article` arguments from one JSON value; ValueError saying what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    text = next((record[k] for k in TEXT_KEYS if record.get(k) is not None), None)
    if text is None:
        raise ValueError("missing required field 'text' (or 'body')")
    if not isinstance(text, str):
        raise ValueError(f"field 'text' must be a string, got {type(text).__name__}")
    for key in STRING_KEYS:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ValueError(f"field {key!r} must be a string, got {type(record[key]).__name__}")
    given_id = record.get("id")
    if given_id is not None and (isinstance(given_id, bool) or not isinstance(given_id, (str, int))):
        raise ValueError(f"field 'id' must be a string or an integer, got {type(given_id).__name__}")
    return {
        "text": text,
        "external_id": given_id,
        "title": record.get("title"),
        "url": record.get("url"),
        "published": record.get("published"),
        "byline": record.get("byline") or record.get("author"),
        "publisher": record.get("publisher"),
        "language": record.get("language") or "en",
    }


def parse_jsonl_line(line: str, *, source_path: str, source_line: int) -> Article:
    """One JSONL line as an Article; ValueError saying what is wrong with the line."""
    if too_deep(line):
        raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep; an article is one object of strings")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON: {exc.msg} at column {exc.colno}") from None
    return make_article(**record_fields(record), source_path=source_path, source_line=source_line)  # type: ignore[arg-type]


def parse_jsonl(lines: Iterable[tuple[int, str | InputError]], *, source_path: str) -> Iterator[Article | Problem]:
    """Articles from numbered lines (see `read.read_lines`), a Problem for each bad one."""
    for number, line in lines:
        try:
            if isinstance(line, InputError):
                yield Problem(path=source_path, line=number, message=str(line))
            else:
                yield parse_jsonl_line(line, source_path=source_path, source_line=number)
        except ValueError as exc:
            yield Problem(path=source_path, line=number, message=str(exc))
