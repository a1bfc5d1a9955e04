"""The committed JSON Schemas: up to date, versioned, usable by a standard validator, and checked by the CLI."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from curation import jsonschemas
from curation.cli import app
from curation.models import Article, Document, Span
from curation.schema import schemas_dir
from curation.tasks import to_task

VERSION = yaml.safe_load((schemas_dir() / "labels.v1.yaml").read_text(encoding="utf-8"))["schema_version"]
COMMITTED = schemas_dir() / f"v{VERSION}"
runner = CliRunner()


def test_committed_json_schemas_are_not_stale():
    generated = jsonschemas.generate()
    on_disk = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in COMMITTED.glob("*.schema.json")}
    assert on_disk == generated, "run `curation schema --write`"


def test_committed_files_are_sorted_indented_and_end_with_a_newline():
    for path in COMMITTED.glob("*.schema.json"):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n", path.name


def test_every_contract_has_a_versioned_schema():
    schemas = jsonschemas.generate()
    assert set(schemas) == {f"{n}.schema.json" for n in ("article", "span", "relation", "document", "prediction", "task")}
    for name, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"].endswith(f":v{VERSION}:{name.removesuffix('.schema.json')}")
        assert f"schema version {VERSION}" in schema["title"]


def test_a_task_file_validates_against_the_task_schema_and_a_broken_one_does_not():
    text = "Officials said 40 bridges may be unsafe."
    article = Article(article_id="a", content_hash="h", text=text, source_path="t.txt")
    doc = Document(article=article, model_version="m", spans=(Span(id="s", start=0, end=9, text="Officials", label="SOURCE"),))
    task = json.loads(to_task(doc).model_dump_json())
    schema = jsonschemas.generate()["task.schema.json"]
    jsonschema.validate(task, schema)
    del task["data"]["text"]
    with pytest.raises(jsonschema.ValidationError, match="'text' is a required property"):
        jsonschema.validate(task, schema)


def test_a_document_with_an_unknown_label_fails_the_document_schema():
    schema = jsonschemas.generate()["document.schema.json"]
    doc = {"article": {"article_id": "a", "content_hash": "h", "text": "abc", "source_path": "t"},
           "spans": [{"id": "s", "start": 0, "end": 1, "text": "a", "label": "CLAIM"}]}
    jsonschema.validate(doc, schema)
    doc["spans"][0]["label"] = "RUMOUR"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def check(directory) -> tuple[int, str]:
    result = runner.invoke(app, ["schema", "--check", "--directory", str(directory)])
    return result.exit_code, result.output


def test_check_detects_tampered_missing_and_obsolete_files_and_write_repairs_them(tmp_path):
    assert runner.invoke(app, ["schema", "--write", "--directory", str(tmp_path)]).exit_code == 0
    assert check(tmp_path)[0] == 0

    span = tmp_path / "span.schema.json"
    span.write_text(span.read_text().replace('"minimum": 0', '"minimum": 1'))
    (tmp_path / "task.schema.json").unlink()
    (tmp_path / "old.schema.json").write_text("{}\n")
    code, output = check(tmp_path)
    assert code == 1
    assert [line.strip() for line in output.splitlines()[1:]] == ["old.schema.json", "span.schema.json", "task.schema.json"]

    assert runner.invoke(app, ["schema", "--write", "--directory", str(tmp_path)]).exit_code == 0
    assert check(tmp_path)[0] == 0 and not (tmp_path / "old.schema.json").exists()


def test_check_treats_unparseable_json_as_stale(tmp_path):
    jsonschemas.write(tmp_path)
    (tmp_path / "relation.schema.json").write_text('{"truncated": ')
    assert jsonschemas.stale(tmp_path) == ["relation.schema.json"]


def test_schema_without_flags_prints_all_schemas():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0 and json.loads(result.output) == jsonschemas.generate()
