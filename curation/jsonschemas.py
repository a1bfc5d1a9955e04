"""JSON Schemas of the stage contracts, generated from the pydantic models.

They are committed under schemas/v<N>/ so tools outside Python can validate
curation's files; a test fails when they are stale (`curation schema --write`).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from curation.atomic import write_text_atomic
from curation.models import Article, Document, Relation, Span
from curation.schema import SCHEMA, schemas_dir
from curation.tasks import Task

MODELS: dict[str, type[BaseModel]] = {
    "article": Article,
    "span": Span,
    "relation": Relation,
    "document": Document,
    "task": Task,
}


def default_dir() -> Path:
    return schemas_dir() / f"v{SCHEMA.schema_version}"


def generate() -> dict[str, str]:
    """File name -> JSON text of each contract's schema."""
    files = {}
    for name, model in MODELS.items():
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://curation.dev/schemas/v{SCHEMA.schema_version}/{name}.schema.json",
            **model.model_json_schema(),
            "x-schema-version": SCHEMA.schema_version,
        }
        files[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return files


def stale(directory: Path | None = None) -> list[str]:
    """Names of the committed schema files that differ from what the models generate."""
    directory = directory or default_dir()
    return [name for name, text in generate().items()
            if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text]


def write(directory: Path | None = None) -> list[str]:
    directory = directory or default_dir()
    for name, text in generate().items():
        write_text_atomic(directory / name, text)
    return sorted(generate())
