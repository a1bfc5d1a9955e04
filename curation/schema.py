"""The versioned label schema, loaded from `schemas/labels.v1.yaml`.

The YAML file is the single definition; this module only parses it into a typed
object that the models, the Label Studio config and the exporters read from.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class SpanLabelDef(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    hotkey: str
    background: str
    description: str


class RelationDef(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)
    name: str
    from_label: str = Field(alias="from")
    to_label: str = Field(alias="to")
    description: str


class RegionAttributeDef(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    label: str
    title: str
    choices: tuple[str, ...]


class ChoiceFieldDef(BaseModel):
    model_config = ConfigDict(frozen=True)
    title: str
    choices: tuple[str, ...]


class TextFieldDef(BaseModel):
    model_config = ConfigDict(frozen=True)
    title: str


class TaskFields(BaseModel):
    model_config = ConfigDict(frozen=True)
    review: ChoiceFieldDef
    review_comment: TextFieldDef


class LabelSchema(BaseModel):
    model_config = ConfigDict(frozen=True)
    schema_version: int
    name: str
    spans: tuple[SpanLabelDef, ...]
    relations: tuple[RelationDef, ...]
    region_attributes: tuple[RegionAttributeDef, ...]
    task_fields: TaskFields
    task_data: tuple[str, ...]

    @property
    def span_labels(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.spans)

    @property
    def relation_types(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.relations)

    def relation_ends(self, name: str) -> tuple[str, str]:
        rel = next(r for r in self.relations if r.name == name)
        return rel.from_label, rel.to_label

    def attributes_for(self, label: str) -> tuple[RegionAttributeDef, ...]:
        return tuple(a for a in self.region_attributes if a.label == label)


def project_file(relative: str) -> Path:
    """A file of the source checkout (`schemas/...`, `docs/...`), or its copy packed into the wheel."""
    repo = Path(__file__).resolve().parent.parent / relative
    return repo if repo.exists() else Path(__file__).resolve().parent / "_data" / relative


def schemas_dir() -> Path:
    return project_file("schemas")


@cache
def load_schema(version: int = SCHEMA_VERSION) -> LabelSchema:
    path = schemas_dir() / f"labels.v{version}.yaml"
    return LabelSchema.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


SCHEMA = load_schema()

# Vocabularies as Literal types, so pydantic rejects a label the schema lacks.
SpanLabel = Literal[SCHEMA.span_labels]  # type: ignore[valid-type]
RelationType = Literal[SCHEMA.relation_types]  # type: ignore[valid-type]
