"""JSON Schemas of the stage contracts, generated from the pydantic models.

They are committed under schemas/v<N>/ so tools outside Python can validate
curation's files; a test fails when they are stale (`curation schema --write`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from curation.atomic import write_text_atomic
from curation.models import Article, Document, Relation, Span
from curation.schema import SCHEMA, schemas_dir
from curation.tasks import Prediction, Task

MODELS: dict[str, type[BaseModel]] = {
    "article": Article,
    "span": Span,
    "relation": Relation,
    "document": Document,
    "prediction": Prediction,
    "task": Task,
}
SUFFIX = ".schema.json"


def default_dir() -> Path:
    return schemas_dir() / f"v{SCHEMA.schema_version}"


def json_schema(name: str, model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema, identified by its name and the label schema version it belongs to."""
    version = SCHEMA.schema_version
    return {
        **model.model_json_schema(),
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:curation:schema:v{version}:{name}",
        "title": f"curation {model.__name__}, schema version {version}",
    }


def generate() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of each contract."""
    return {f"{name}{SUFFIX}": json_schema(name, model) for name, model in MODELS.items()}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stale(directory: Path | None = None) -> list[str]:
    """Files in `directory` that are missing, differ from the models' schemas, or belong to no model."""
    directory = directory or default_dir()
    expected = generate()
    on_disk = {p.name for p in directory.glob(f"*{SUFFIX}")}
    return sorted({name for name, schema in expected.items() if read_json(directory / name) != schema}
                  | (on_disk - expected.keys()))


def read_json(path: Path) -> Any:
    """The file's JSON, or None when it is absent or unreadable (which makes it stale)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(directory: Path | None = None) -> list[str]:
    """Write every schema atomically and remove obsolete ones; returns the names written."""
    directory = directory or default_dir()
    expected = generate()
    for name, schema in expected.items():
        write_text_atomic(directory / name, render(schema))
    for obsolete in {p.name for p in directory.glob(f"*{SUFFIX}")} - expected.keys():
        (directory / obsolete).unlink()
    return sorted(expected)
