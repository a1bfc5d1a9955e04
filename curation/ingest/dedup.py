"""De-duplication by content hash: a repeat is reported as a warning, never silently dropped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from curation.models import Article, Problem


def where(article: Article) -> str:
    return f"{article.source_path}:{article.source_line}" if article.source_line is not None else article.source_path


def deduplicate(items: Iterable[Article | Problem]) -> Iterator[Article | Problem]:
    """Each distinct article once; the only state is one entry per distinct article
    (a 16-byte digest prefix and where it was first seen, for the warning)."""
    first_seen: dict[bytes, str] = {}
    for item in items:
        if isinstance(item, Article):
            key = bytes.fromhex(item.content_hash[:32])
            if (first := first_seen.get(key)) is not None:
                yield Problem(
                    path=item.source_path,
                    line=item.source_line,
                    severity="warning",
                    message=f"duplicate of {first}; skipped",
                )
                continue
            first_seen[key] = where(item)
        yield item
