"""Ingest: files and folders of articles -> normalised `Article`s (or `Problem`s).

    from curation.ingest import ingest
    for item in ingest(["articles/"]):
        ...  # Article, or Problem naming the file (and line) that could not be read

Streams one file (for JSONL, one line) at a time; the only state kept is one entry
per distinct article, so identical articles are reported (as warnings) rather than
ingested twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from curation import defaults
from curation.ingest.article import make_article
from curation.ingest.dedup import deduplicate
from curation.ingest.discover import SUFFIXES, discover
from curation.ingest.html import parse_html
from curation.ingest.jsonl import parse_jsonl, parse_jsonl_line
from curation.ingest.markdown import parse_markdown
from curation.ingest.plaintext import parse_text
from curation.ingest.read import InputError, read_lines, read_text
from curation.models import Article, Problem

__all__ = [
    "ingest", "make_article", "parse_file", "parse_text", "parse_markdown", "parse_html", "parse_jsonl_line",
]

ONE_ARTICLE_PARSERS: dict[str, Callable[..., Article]] = {
    "text": parse_text, "markdown": parse_markdown, "html": parse_html,
}


def parse_file(path: Path, max_bytes: int) -> Iterator[Article | Problem]:
    """Every article in one file, or a Problem for what could not be read."""
    kind = SUFFIXES[path.suffix.lower()]
    try:
        if kind == "jsonl":
            yield from parse_jsonl(read_lines(path, max_bytes), source_path=str(path))
        else:
            yield ONE_ARTICLE_PARSERS[kind](read_text(path, max_bytes), source_path=str(path))
    except InputError as exc:
        yield Problem(path=str(path), line=exc.line, message=str(exc))
    except (ValueError, OSError) as exc:
        yield Problem(path=str(path), message=str(exc))


def parse_all(found: Iterable[Path | Problem], max_bytes: int) -> Iterator[Article | Problem]:
    for item in found:
        if isinstance(item, Problem):
            yield item
        else:
            yield from parse_file(item, max_bytes)


def ingest(paths: Iterable[str | Path] | str | Path, *, max_bytes: int = defaults.MAX_BYTES) -> Iterator[Article | Problem]:
    """Articles from files and folders (recursive, sorted), de-duplicated by content hash.

    `max_bytes` limits one article: a whole .txt/.md/.html file, or one JSONL line.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    yield from deduplicate(parse_all(discover(paths), max_bytes))
