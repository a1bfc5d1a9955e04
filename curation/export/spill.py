"""Per-article lists an export keeps on disk, not in memory: fingerprints, story splits, the changelog.

A manifest names every article (its fingerprint, its story's split, whether it was
added or changed), so held as Python objects these grow with the number of articles.
They are written as sorted `key<TAB>value` lines to files beside the chunks' buckets
while the chunks are built, merged and compared as streams, and streamed into
manifest.json (manifest.write_streamed), so export memory stays flat.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from pathlib import Path

from curation.export.manifest import CHANGES, changes


class Spill:
    """An append-only file of (key, value) pairs (tabs and line breaks never occur in ids or fingerprints)."""

    def __init__(self, path: Path) -> None:
        self.path, self.count = path, 0
        self.handle = path.open("w", encoding="utf-8")

    def add(self, key: str, value: str = "") -> None:
        self.handle.write(f"{key}\t{value}\n")
        self.count += 1

    def extend(self, pairs: Iterable[tuple[str, str]]) -> Spill:
        for key, value in pairs:
            self.add(key, value)
        return self

    def close(self) -> Spill:
        self.handle.close()
        return self

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self.close()
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                key, _, value = line.rstrip("\n").partition("\t")
                yield key, value

    def keys(self) -> Iterator[str]:
        return (key for key, _ in self)


def merged(spills: Iterable[Spill]) -> Iterator[tuple[str, str]]:
    """The pairs of several spills, each sorted by key, as one stream sorted by key."""
    return heapq.merge(*spills)


def changelog(folder: Path, parent: dict[str, str] | None, current: Iterable[tuple[str, str]]) -> dict[str, Spill]:
    """manifest.changelog's added, removed and changed article ids, each a spill in id order, from `current` (pairs
    sorted by id); `parent`: the parent version's fingerprints (None: no parent)."""
    out = {kind: Spill(folder / f"changelog-{kind}") for kind in CHANGES}
    for kind, article in changes(sorted((parent or {}).items()), current):
        out[kind].add(article)
    return {kind: spill.close() for kind, spill in out.items()}
