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

from curation.export.features import ATTRIBUTES
from curation.export.parse import RelationRow, SpanRow


MANIFEST = "manifest.json"
CARD = "README.md"


def fingerprint(content_hash: str, spans: Sequence[SpanRow], relations: Sequence[RelationRow]) -> str:
    """An article's labelled content: its content hash, spans and relations by offsets and labels, not ids."""
    where = {s.id: (s.start, s.end, s.label) for s in spans}
    content = (
        content_hash,
        sorted((s.start, s.end, s.label, *(s.attributes.get(name) or "" for name in ATTRIBUTES)) for s in spans),
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


def read(version_dir: Path) -> dict[str, Any]:
    return json.loads((version_dir / MANIFEST).read_text(encoding="utf-8"))


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
