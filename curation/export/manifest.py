"""`manifest.json`: what a version holds, where it came from, and how it differs from its parent.

Per-article fingerprints (labels and relations by offsets, plus the article's
content hash) make the changelog and `curation diff` a comparison of two
manifests; they leave out provenance, so re-reviewing an article into the same
labels is not a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from curation.errors import CurationError
from curation.export.features import ATTRIBUTES
from curation.export.parse import RelationRow, SpanRow


MANIFEST = "manifest.json"
BLANKS = ("",) * len(ATTRIBUTES)  # an attribute left unset counts as "" (attributes never hold None or "")
CARD = "README.md"


def fingerprint(content_hash: str, spans: Sequence[SpanRow], relations: Sequence[RelationRow]) -> str:
    """An article's labelled content: its content hash, spans and relations by offsets and labels, not ids."""
    where = {s.id: (s.start, s.end, s.label) for s in spans}
    content = (
        content_hash,
        sorted((s.start, s.end, s.label, *map(s.attributes.get, ATTRIBUTES, BLANKS)) for s in spans),
        sorted((*where[r.from_id], *where[r.to_id], r.type) for r in relations),
    )
    return hashlib.sha256(orjson.dumps(content)).hexdigest()[:16]


CHANGES = ("added", "removed", "changed")


def changes(parent: Iterable[tuple[str, str]], current: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(kind, article id) of every article added, removed or changed from `parent` to `current`, two streams of
    (article id, fingerprint) sorted by id: a merge, so neither side need be held in memory."""
    old = iter(parent)
    theirs = next(old, None)
    for article, fingerprint in current:
        while theirs is not None and theirs[0] < article:
            yield "removed", theirs[0]
            theirs = next(old, None)
        if theirs is not None and theirs[0] == article:
            if theirs[1] != fingerprint:
                yield "changed", article
            theirs = next(old, None)
        else:
            yield "added", article
    while theirs is not None:
        yield "removed", theirs[0]
        theirs = next(old, None)


def changelog(parent: dict[str, str] | None, current: dict[str, str]) -> dict[str, list[str]]:
    """Articles added, removed and changed between two versions' fingerprints (None: no parent)."""
    found: dict[str, list[str]] = {kind: [] for kind in CHANGES}
    for kind, article in changes(sorted((parent or {}).items()), sorted(current.items())):
        found[kind].append(article)
    return found


def content_id(files: dict[str, str]) -> str:
    """One hash of the data files: equal for two versions with the same content."""
    data = {path: digest for path, digest in files.items() if path.endswith(".parquet")}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class ManifestError(CurationError, ValueError):
    """A version's manifest.json is missing, not JSON, or lacks what the commands read; the message names it."""


class _Part(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class SplitCounts(_Part):
    articles: int
    labels: dict[str, int]
    rows: dict[str, int]


class Counts(_Part):
    train: SplitCounts
    validation: SplitCounts
    test: SplitCounts


class Ratios(_Part):
    train: float
    validation: float
    test: float


class Changes(_Part):
    added: list[str]
    removed: list[str]
    changed: list[str]


class Manifest(_Part):
    """What every version's manifest holds and `verify`, `diff`, `versions`, `publish`, `convert`, `train` and an
    export against a parent read (versions before stories or features ids lack the optional fields)."""

    name: str
    version: str
    created_at: str
    parent: str | None
    content_id: str
    files: dict[str, str]
    counts: Counts
    split_ratios: Ratios
    articles: dict[str, str]
    changelog: Changes
    features_id: str | None = None
    story_splits: dict[str, str] | None = None


def read(version_dir: Path) -> dict[str, Any]:
    """The version's manifest, checked: ManifestError (one line naming the file and what is wrong) when it is
    missing, truncated, not JSON or lacks a field the commands read, so no command fails on it half-way."""
    path = version_dir / MANIFEST
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ManifestError(f"{path}: missing: {version_dir} is not a complete dataset version") from None
    except OSError as exc:
        raise ManifestError(f"{path}: unreadable: {exc.strerror or exc}") from None
    except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
        raise ManifestError(f"{path}: damaged: not valid JSON ({exc}); the version cannot be used, "
                            "export it again under a new number") from None
    try:
        Manifest.model_validate(manifest)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        got = "" if first["type"] == "missing" else f" (found {type(first['input']).__name__})"
        raise ManifestError(f"{path}: damaged: {where}: {first['msg'].lower()}{got}") from None
    return manifest


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_streamed(path: Path, manifest: dict[str, Any], streams: dict[tuple[str, ...], tuple[type, Iterable[Any]]]) -> None:
    """Write `manifest` as `dumps` would, with the value at each key path of `streams` read from its stream as it
    is written: (dict, (key, value) pairs) makes a JSON object, (list, items) a list. For the per-article parts,
    which are kept on disk while exporting (spill.py) and must not be gathered in memory to be written."""
    marked, markers = json.loads(json.dumps(manifest)), {}
    for i, keys in enumerate(streams):
        inner = marked
        for key in keys[:-1]:
            inner = inner[key]
        inner[keys[-1]] = marker = f"\x00stream{i}\x00"
        markers[json.dumps(marker)] = streams[keys]
    text = dumps(marked)
    with path.open("w", encoding="utf-8") as out:
        at = 0
        for where, mark in sorted((text.index(m), m) for m in markers):
            line = text[text.rindex("\n", 0, where) + 1:where]
            out.write(text[at:where])
            write_items(out, *markers[mark], indent=len(line) - len(line.lstrip(" ")))
            at = where + len(mark)
        out.write(text[at:])


def write_items(out: Any, kind: type, items: Iterable[Any], indent: int) -> None:
    """An object (of (key, value) pairs) or a list as `dumps` lays it out, its key at `indent`."""
    opening, closing = "{}" if kind is dict else "[]"
    pad, separator = " " * (indent + 2), opening + "\n"
    for item in items:
        out.write(separator)
        separator = ",\n"
        value = f"{json.dumps(item[0], ensure_ascii=False)}: {json.dumps(item[1], ensure_ascii=False)}" if kind is dict \
            else json.dumps(item, ensure_ascii=False)
        out.write(pad + value)
    out.write(opening + closing if separator != ",\n" else "\n" + " " * indent + closing)
