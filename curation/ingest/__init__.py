"""Ingest: files and folders of articles -> normalised `Article`s (or `Problem`s).

    from curation.ingest import ingest
    for item in ingest(["articles/"]):
        ...  # Article, or Problem naming the file (and line) that could not be read

Streams one file (for JSONL, one line) at a time; the only state kept is one entry
per distinct article, so identical articles are reported (as warnings) rather than
ingested twice. `Article.warnings` records everything normalisation changed; whatever
the input itself got wrong or hid (markup, entities, control or invisible characters,
metadata that had to be ignored, front matter that was not) is also yielded as a
warning Problem naming the file and line, so the operator sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from curation import defaults
from curation.ingest.article import make_article
from curation.ingest.dedup import deduplicate
from curation.ingest.discover import SUFFIXES, discover
from curation.ingest.html import EXTRACTED, parse_html
from curation.ingest.jsonl import parse_jsonl, parse_jsonl_line
from curation.ingest.markdown import parse_markdown
from curation.ingest.normalize import STRIPPED_TAGS
from curation.ingest.plaintext import DROPPED_CAPTION, MOVED_URL, parse_text
from curation.ingest.read import InputError, os_reason, read_lines, read_text
from curation.models import Article, Problem

__all__ = [
    "ingest", "make_article", "parse_file", "parse_text", "parse_markdown", "parse_html", "parse_jsonl_line",
]

ONE_ARTICLE_PARSERS: dict[str, Callable[..., Article]] = {
    "text": parse_text, "markdown": parse_markdown, "html": parse_html,
}
# Notes on what a parser does by design to its format; every other note is news to the operator.
ROUTINE_NOTES = (EXTRACTED, DROPPED_CAPTION, MOVED_URL, STRIPPED_TAGS)


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
    except ValueError as exc:
        yield Problem(path=str(path), message=str(exc))
    except OSError as exc:
        yield Problem(path=str(path), message=f"cannot read: {os_reason(exc)}")


def parse_all(found: Iterable[Path | Problem], max_bytes: int) -> Iterator[Article | Problem]:
    for item in found:
        if isinstance(item, Problem):
            yield item
        else:
            yield from parse_file(item, max_bytes)


def with_warnings(items: Iterable[Article | Problem]) -> Iterator[Article | Problem]:
    """Each article preceded by one warning Problem listing its non-routine notes, if any."""
    for item in items:
        if isinstance(item, Article) and (notes := [n for n in item.warnings if not n.startswith(ROUTINE_NOTES)]):
            yield Problem(path=item.source_path, line=item.source_line, severity="warning", message="; ".join(notes))
        yield item


def ingest(paths: Iterable[str | Path] | str | Path, *, max_bytes: int = defaults.MAX_BYTES) -> Iterator[Article | Problem]:
    """Articles from files and folders (recursive, sorted), de-duplicated by content hash.

    `max_bytes` limits one article: a whole .txt/.md/.html file, or one JSONL line.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    yield from with_warnings(deduplicate(parse_all(discover(paths), max_bytes)))
