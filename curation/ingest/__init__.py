"""Ingest: files and folders of articles -> normalised `Article`s (or `Problem`s).

    from curation.ingest import ingest
    for item in ingest(["articles/"]):
        ...  # Article, or Problem naming the file (and line) that could not be read

Streams one file at a time; the only state kept is the set of content hashes
seen, so identical articles are reported (as warnings) rather than ingested twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from curation.ingest.files import SUFFIXES, InputError, discover, read_text
from curation.ingest.article import make_article
from curation.ingest.html import parse_html
from curation.ingest.jsonl import parse_jsonl
from curation.ingest.markdown import parse_markdown
from curation.ingest.plaintext import parse_text
from curation.models import Article, Problem

__all__ = ["ingest", "make_article", "parse_file", "parse_text", "parse_markdown", "parse_html", "parse_jsonl"]


def parse_file(path: Path, max_bytes: int) -> Iterator[Article | Problem]:
    """Every article in one file, or a Problem for what could not be read."""
    try:
        content = read_text(path, max_bytes)
        kind = SUFFIXES[path.suffix.lower()]
        if kind == "jsonl":
            yield from parse_jsonl(content, source_path=str(path))
        elif kind == "markdown":
            yield parse_markdown(content, source_path=str(path))
        elif kind == "html":
            yield parse_html(content, source_path=str(path))
        else:
            yield parse_text(content, source_path=str(path))
    except InputError as exc:
        yield Problem(path=str(path), line=exc.line, message=str(exc))
    except (ValueError, OSError) as exc:
        yield Problem(path=str(path), message=str(exc))


def ingest(paths: Iterable[str | Path], *, max_bytes: int = 10_000_000) -> Iterator[Article | Problem]:
    """Articles from files and folders (recursive), de-duplicated by content hash."""
    first_seen: dict[str, str] = {}
    for found in discover(paths):
        if isinstance(found, Problem):
            yield found
            continue
        for item in parse_file(found, max_bytes):
            if isinstance(item, Article):
                where = f"{item.source_path}:{item.source_line}" if item.source_line else item.source_path
                if item.content_hash in first_seen:
                    yield Problem(
                        path=item.source_path,
                        line=item.source_line,
                        severity="warning",
                        message=f"duplicate of {first_seen[item.content_hash]}; skipped",
                    )
                    continue
                first_seen[item.content_hash] = where
            yield item
