"""Label config, JSON Schemas, tasks, prediction validation, writers and `curation tasks`."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from label_studio_sdk.label_interface import LabelInterface
from typer.testing import CliRunner

from curation import jsonschemas
from curation.cli import app
from curation.labelconfig import labeling_config
from curation.models import Article, Document, Relation, Span
from curation.schema import schemas_dir
from curation.tasks import Task, TaskValidator, document_from_result, to_task, write_tasks
from tests.conftest import EXAMPLE_ARTICLE, ROOT, need
from tests.strategies import messy_text

SCHEMA_YAML = yaml.safe_load((schemas_dir() / "labels.v1.yaml").read_text())
runner = CliRunner()


def test_config_is_valid_for_label_studio_and_covers_the_schema():
    config = labeling_config()
    interface = LabelInterface(config)
    root = ElementTree.fromstring(config)
    assert root.find(".//HyperText") is None and root.find(".//Text").get("value") == "$text"
    labels = {e.get("value"): e.get("hotkey") for e in root.iter("Label")}
    assert labels == {s["name"]: s["hotkey"] for s in SCHEMA_YAML["spans"]}
    assert {e.get("value") for e in root.iter("Relation")} == {r["name"] for r in SCHEMA_YAML["relations"]}
    for attr in SCHEMA_YAML["region_attributes"]:
        control = interface.get_control(attr["name"])
        assert control.labels == attr["choices"]
        node = root.find(f".//Choices[@name='{attr['name']}']")
        assert node.get("perRegion") == "true" and node.get("whenLabelValue") == attr["label"]
    assert interface.get_control("review").labels == SCHEMA_YAML["task_fields"]["review"]["choices"]
    headers = {e.get("value") for e in root.iter("Header")}
    assert {"$title", "$byline", "$published", "$url"} <= headers


def test_committed_json_schemas_are_not_stale():
    assert jsonschemas.stale() == [], "run `curation schema --write`"


def test_schema_check_detects_a_tampered_file(tmp_path):
    jsonschemas.write(tmp_path)
    assert runner.invoke(app, ["schema", "--check", "--directory", str(tmp_path)]).exit_code == 0
    (tmp_path / "span.schema.json").write_text("{}\n")
    result = runner.invoke(app, ["schema", "--check", "--directory", str(tmp_path)])
    assert result.exit_code == 1 and "span.schema.json" in result.output


TEXT = "Officials said 北朝鮮 troops 🎉 were likely\tdeployed. Experts disagree."
CLAIM = (TEXT.index("北"), TEXT.index("."))
HEDGE = (TEXT.index("likely"), TEXT.index("likely") + len("likely"))


def hand_document() -> Document:
    article = Article(article_id="art_x", content_hash="h", text=TEXT, source_path="t.txt", title="T")
    spans = [
        Span(id="s1", start=0, end=9, text="Officials", label="SOURCE", score=0.8, attributes={"source_type": "anonymous"}),
        Span(id="c1", start=CLAIM[0], end=CLAIM[1], text=TEXT[slice(*CLAIM)], label="CLAIM", score=0.7,
             attributes={"check_worthiness": "check_worthy", "claim_type": "event"}),
        Span(id="h1", start=HEDGE[0], end=HEDGE[1], text="likely", label="HEDGE", score=0.9, attributes={"hedge_strength": "moderate"}),
    ]
    relations = [Relation(from_id="s1", to_id="c1", type="attributed_to"), Relation(from_id="h1", to_id="c1", type="qualifies")]
    return Document(article=article, model_version="hand-1", spans=tuple(spans), relations=tuple(relations))


def test_task_predictions_point_into_the_task_text():
    task = to_task(hand_document())
    assert task.data.text == TEXT and task.data.schema_version == SCHEMA_YAML["schema_version"]
    (prediction,) = task.predictions
    assert prediction.model_version == "hand-1"
    assert prediction.score == pytest.approx((0.8 + 0.7 + 0.9) / 3)
    regions = [r for r in prediction.result if "value" in r]
    assert {r["value"]["text"] for r in regions} == {"Officials", "北朝鮮 troops 🎉 were likely\tdeployed", "likely"}
    assert all(TEXT[r["value"]["start"]:r["value"]["end"]] == r["value"]["text"] for r in regions)
    assert TaskValidator().errors(task) == []


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda r: r[0]["value"].update(labels=["RUMOUR"]), "Region 0"),
        (lambda r: next(x for x in r if x["from_name"] == "source_type" if "from_name" in x)["value"].update(choices=["alien"]), "source_type"),
        (lambda r: r[0]["value"].update(start=1), "region s1"),
        (lambda r: next(x for x in r if x["type"] == "relation").update(labels=["caused"]), "relation s1->c1"),
        (lambda r: next(x for x in r if x["type"] == "relation").update(from_id="h1"), "relation h1->c1"),
    ],
)
def test_an_invalid_prediction_is_rejected_naming_the_region(breakage, message):
    task = to_task(hand_document())
    breakage(task.predictions[0].result)
    with pytest.raises(ValueError, match="invalid prediction for art_x") as err:
        TaskValidator().validate(task)
    assert message in str(err.value)


@st.composite
def documents(draw) -> Document:
    text = draw(messy_text.filter(bool))
    spans = []
    for i in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        label = draw(st.sampled_from(["CLAIM", "HEDGE", "SOURCE"]))
        spans.append(Span(id=f"r{i}", start=start, end=end, text=text[start:end], label=label,
                          score=draw(st.floats(0, 1)), attributes={"hedge_strength": "weak"} if label == "HEDGE" else {}))
    claims = [s for s in spans if s.label == "CLAIM"]
    relations = [Relation(from_id=s.id, to_id=claims[0].id, type="attributed_to" if s.label == "SOURCE" else "qualifies")
                 for s in spans if claims and s.label != "CLAIM"]
    article = Article(article_id="a", content_hash="h", text=text, source_path="t")
    return Document(article=article, model_version="m", spans=tuple(spans), relations=tuple(relations))


@settings(max_examples=150, deadline=None)
@given(documents())
def test_document_to_result_and_back_is_identity(doc):
    task = to_task(doc)
    assert TaskValidator.shared().errors(task) == []
    back, review = document_from_result(doc.article, task.predictions[0].result, model_version="m")
    assert back.spans == doc.spans and back.relations == doc.relations and review.decision is None


def test_writers_stream_json_and_jsonl(tmp_path):
    tasks = [to_task(hand_document()), to_task(hand_document(), with_predictions=False)]
    assert write_tasks(tasks, tmp_path / "t.json", "json") == 2
    assert [Task.model_validate(t) for t in json.loads((tmp_path / "t.json").read_text())] == tasks
    assert write_tasks(iter(tasks), tmp_path / "t.jsonl", "jsonl") == 2
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    assert [Task.model_validate_json(line) for line in lines] == tasks
    assert tasks[1].predictions == []


def test_a_crash_mid_write_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("previous")

    def exploding():
        yield to_task(hand_document())
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_tasks(exploding(), path)
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]


def test_cli_tasks_on_the_example_article(tmp_path):
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["tasks", str(need(EXAMPLE_ARTICLE)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (task,) = json.loads(out.read_text())
    data = task["data"]
    assert (data["title"], data["byline"], data["published"], data["publisher"]) == (
        "N. Korean Soldiers 'Highly Likely' Killed in Ukraine – Seoul", "AFP", "2024-10-08", "themoscowtimes.com")
    assert data["url"].endswith("-seoul-a86607")
    (prediction,) = task["predictions"]
    labels = {r["value"]["labels"][0] for r in prediction["result"] if r["type"] == "labels"}
    assert labels == {"CLAIM", "HEDGE", "SOURCE"}
    assert any(r["type"] == "relation" for r in prediction["result"])


def test_cli_tasks_reports_bad_files_and_still_writes_the_rest(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ok.txt").write_text("Headline\n\nExperts said 40 bridges may be unsafe.\n")
    (tmp_path / "in" / "bad.txt").write_bytes(b"\xff\xfe bad")
    out = tmp_path / "tasks.jsonl"
    result = runner.invoke(app, ["tasks", str(tmp_path / "in"), "-o", str(out), "--format", "jsonl", "--no-predictions"])
    assert result.exit_code == 1
    assert "bad.txt:1: error: not valid UTF-8" in result.output
    (line,) = out.read_text().splitlines()
    assert json.loads(line)["predictions"] == []


def test_cli_tasks_with_two_workers_matches_one(tmp_path):
    inputs = str(ROOT / "examples" / "articles")
    for workers in ("1", "2"):
        assert runner.invoke(app, ["tasks", inputs, "-o", str(tmp_path / f"{workers}.json"), "--workers", workers]).exit_code == 0
    assert (tmp_path / "1.json").read_text() == (tmp_path / "2.json").read_text()
    assert len(json.loads((tmp_path / "1.json").read_text())) == 5


def test_cli_config_prints_the_generated_xml():
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 0 and result.output == labeling_config()
