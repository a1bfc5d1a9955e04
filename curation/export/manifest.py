"""`manifest.json`: what a version holds, where it came from, and how it differs from its parent.

Per-article fingerprints (labels and relations by offsets, plus the article's
content hash) make the changelog and `curation diff` a comparison of two
manifests; they leave out provenance, so re-reviewing an article into the same
labels is not a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
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


def changelog(parent: dict[str, str] | None, current: dict[str, str]) -> dict[str, list[str]]:
    """Articles added, removed and changed between two versions' fingerprints (None: no parent)."""
    old = parent or {}
    return {
        "added": sorted(current.keys() - old.keys()),
        "removed": sorted(old.keys() - current.keys()),
        "changed": sorted(a for a in current.keys() & old.keys() if current[a] != old[a]),
    }


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
