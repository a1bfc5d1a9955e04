"""Label Studio tasks: predictions from Documents, their validation, the way back, writers and `curation tasks`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from label_studio_sdk.label_interface import LabelInterface
from typer.testing import CliRunner

from curation.cli import app
from curation.labelconfig import labeling_config
from curation.models import Article, Document, Relation, Span
from curation.schema import SCHEMA, schemas_dir
from curation.tasks import (
    InvalidTask,
    Task,
    TaskData,
    TaskValidator,
    document_from_result,
    review_from_result,
    to_task,
    validate_task,
    write_tasks,
)
from tests.conftest import EXAMPLE_ARTICLE, ROOT, need
from tests.strategies import messy_text

YAML = yaml.safe_load((schemas_dir() / "labels.v1.yaml").read_text(encoding="utf-8"))
INTERFACE = LabelInterface(labeling_config())
runner = CliRunner()

# Written by hand: CJK, an emoji outside the BMP, a tab; no CR.
TEXT = "Officials said 北朝鮮 troops 🎉 were likely\tdeployed in 2024. Experts disagree."
CLAIM_TEXT = "北朝鮮 troops 🎉 were likely\tdeployed in 2024"
C0 = 15  # len("Officials said ")
H0 = C0 + len("北朝鮮 troops 🎉 were ")


def hand_document(model_version: str | None = "hand-1") -> Document:
    article = Article(article_id="art_x", content_hash="h1", text=TEXT, source_path="t.txt", title="Troops",
                      url="https://example.org/troops")
    spans = (
        Span(id="s1", start=0, end=9, text="Officials", label="SOURCE", score=0.8, attributes={"source_type": "anonymous"}),
        Span(id="c1", start=C0, end=C0 + len(CLAIM_TEXT), text=CLAIM_TEXT, label="CLAIM", score=0.7,
             attributes={"check_worthiness": "check_worthy", "claim_type": "event"}),
        Span(id="h1", start=H0, end=H0 + 6, text="likely", label="HEDGE", score=0.9, attributes={"hedge_strength": "moderate"}),
    )
    relations = (Relation(from_id="s1", to_id="c1", type="attributed_to"), Relation(from_id="h1", to_id="c1", type="qualifies"))
    return Document(article=article, model_version=model_version, spans=spans, relations=relations)


def test_hand_written_offsets_are_right():
    assert TEXT[C0 : C0 + len(CLAIM_TEXT)] == CLAIM_TEXT and TEXT[H0 : H0 + 6] == "likely"


def test_task_data_has_the_schema_keys_and_null_for_missing_metadata():
    task = to_task(hand_document())
    assert list(TaskData.model_fields) == YAML["task_data"]
    data = json.loads(task.model_dump_json())["data"]
    assert data == {"text": TEXT, "title": "Troops", "byline": None, "published": None, "url": "https://example.org/troops",
                    "publisher": None, "article_id": "art_x", "content_hash": "h1", "story_id": "st_x",
                    "also_published_as": None, "schema_version": YAML["schema_version"]}
    assert task.meta.article_id == "art_x" and task.meta.content_hash == "h1"


def test_prediction_is_in_label_studio_result_format():
    (prediction,) = to_task(hand_document()).predictions
    assert prediction.model_version == "hand-1" and prediction.score == pytest.approx((0.8 + 0.7 + 0.9) / 3)
    result = json.loads(prediction.model_dump_json())["result"]
    labels = [r for r in result if r["type"] == "labels"]
    assert [(r["id"], r["value"]["labels"], r["score"]) for r in labels] == [
        ("s1", ["SOURCE"], 0.8), ("c1", ["CLAIM"], 0.7), ("h1", ["HEDGE"], 0.9)]
    assert all((r["from_name"], r["to_name"]) == ("label", "text") for r in labels)
    choices = {(r["id"], r["from_name"]): r["value"] for r in result if r["type"] == "choices"}
    assert choices[("c1", "claim_type")] == {"start": C0, "end": C0 + len(CLAIM_TEXT), "text": CLAIM_TEXT, "choices": ["event"]}
    assert set(choices) == {("s1", "source_type"), ("c1", "check_worthiness"), ("c1", "claim_type"), ("h1", "hedge_strength")}
    relations = [r for r in result if r["type"] == "relation"]
    assert relations == [
        {"type": "relation", "from_id": "s1", "to_id": "c1", "direction": "right", "labels": ["attributed_to"]},
        {"type": "relation", "from_id": "h1", "to_id": "c1", "direction": "right", "labels": ["qualifies"]},
    ]
    assert all(TEXT[r["value"]["start"]:r["value"]["end"]] == r["value"]["text"] for r in result if "value" in r)


def test_valid_prediction_passes_ours_and_the_sdks_own_validation():
    task = to_task(hand_document())
    validate_task(task, INTERFACE)
    assert INTERFACE.validate_prediction(task.predictions[0].model_dump(), return_errors=True) == []


def test_predictions_are_optional_but_need_a_model_version():
    assert to_task(hand_document(None), with_predictions=False).predictions == []
    with pytest.raises(ValueError, match="art_x: a prediction needs the document's model_version"):
        to_task(hand_document(None))
    empty = to_task(Document(article=hand_document().article, model_version="m"))
    assert empty.predictions[0].score == 0 and empty.predictions[0].result == []


Breakage = Callable[[list[dict[str, Any]]], None]


def item(result: list[dict[str, Any]], kind: str, key: str) -> dict[str, Any]:
    """The result item of `kind` whose from_name (or from_id for relations) is `key`."""
    return next(r for r in result if r["type"] == kind and key in (r.get("from_name"), r.get("id"), r.get("from_id")))


def shift(region: dict[str, Any], by: int) -> None:
    region["value"]["start"] += by
    region["value"]["end"] += by


BREAKAGES: list[tuple[str, Breakage, str, bool]] = [
    # (case, breakage, expected message part, does label-studio-sdk's validate_prediction catch it?)
    ("unknown label", lambda r: item(r, "labels", "s1")["value"].update(labels=["RUMOUR"]), "region s1: Invalid value", True),
    ("unknown choice", lambda r: item(r, "choices", "source_type")["value"].update(choices=["alien"]), "region s1: Invalid value", True),
    ("unknown control", lambda r: item(r, "choices", "source_type").update(from_name="mood"), "region s1: 'from_name' 'mood'", True),
    ("text not at offsets", lambda r: shift(item(r, "labels", "h1"), 1), "region h1: text[", False),
    ("offsets beyond text", lambda r: shift(item(r, "labels", "h1"), len(TEXT)), "region h1: offsets", False),
    ("no label", lambda r: item(r, "labels", "h1")["value"].update(labels=[]), "region h1: 0 labels", False),
    ("two choices", lambda r: item(r, "choices", "hedge_strength")["value"].update(choices=["weak", "strong"]),
     "region h1: 2 choices", False),
    ("attribute of another label", lambda r: item(r, "choices", "hedge_strength").update(id="c1"),
     "region c1: hedge_strength is not an attribute of CLAIM", False),
    ("choice off its span", lambda r: shift(item(r, "choices", "claim_type"), 1), "region c1: claim_type choice at", False),
    ("choice without span", lambda r: item(r, "choices", "source_type").update(id="zz"), "region zz: source_type choice without", False),
    ("duplicate id", lambda r: item(r, "labels", "h1").update(id="s1"), "duplicate region id s1", False),
    ("region score", lambda r: item(r, "labels", "c1").update(score=1.5), "region c1: score 1.5", False),
    ("unknown relation", lambda r: item(r, "relation", "s1").update(labels=["caused"]), "relation s1->c1: labels ['caused']", False),
    ("relation between wrong labels", lambda r: item(r, "relation", "h1").update(labels=["attributed_to"]),
     "relation h1->c1: attributed_to cannot join HEDGE -> CLAIM", False),
    ("relation to a missing region", lambda r: item(r, "relation", "s1").update(to_id="gone"),
     "relation s1->gone: 'to_id' 'gone' not found", True),
]


@pytest.mark.parametrize(("breakage", "message", "sdk_catches"), [b[1:] for b in BREAKAGES], ids=[b[0] for b in BREAKAGES])
def test_an_invalid_prediction_is_rejected_naming_the_article_and_region(breakage, message, sdk_catches):
    raw = json.loads(to_task(hand_document()).model_dump_json())
    breakage(raw["predictions"][0]["result"])
    task = Task.model_validate(raw)
    with pytest.raises(InvalidTask, match="article art_x: invalid prediction") as err:
        validate_task(task, INTERFACE)
    assert message in str(err.value)
    # Where the SDK is silent, our own check is what catches it.
    assert bool(INTERFACE.validate_prediction(raw["predictions"][0], return_errors=True)) == sdk_catches


def test_prediction_score_out_of_range_is_rejected():
    raw = json.loads(to_task(hand_document()).model_dump_json())
    raw["predictions"][0]["score"] = 2
    with pytest.raises(InvalidTask, match="prediction hand-1: score 2"):
        validate_task(Task.model_validate(raw), INTERFACE)


def test_accepted_region_kinds_do_not_hide_a_later_error():
    """The SDK verdict is cached for accepted region kinds; a broken region of a cached kind is still caught."""
    interface = LabelInterface(labeling_config())
    validate_task(to_task(hand_document()), interface)
    raw = json.loads(to_task(hand_document()).model_dump_json())
    shift(item(raw["predictions"][0]["result"], "labels", "s1"), 2)
    with pytest.raises(InvalidTask, match="region s1: text"):
        validate_task(Task.model_validate(raw), interface)


def test_validation_is_against_the_given_config():
    """A project whose config lacks HEDGE rejects HEDGE regions (and the choices that hang on them)."""
    schema = SCHEMA.model_copy(update={
        "spans": tuple(s for s in SCHEMA.spans if s.name != "HEDGE"),
        "relations": tuple(r for r in SCHEMA.relations if r.from_label != "HEDGE"),
        "region_attributes": tuple(a for a in SCHEMA.region_attributes if a.label != "HEDGE"),
    })
    with pytest.raises(InvalidTask, match="region h1: Invalid value for control 'label'"):
        TaskValidator(labeling_config(schema)).validate(to_task(hand_document()))


# Random documents: spans anywhere in text with CR, CRLF, tabs, emoji and CJK.


@st.composite
def documents(draw: st.DrawFn) -> Document:
    text = draw(messy_text.filter(bool))
    spans = []
    for i in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        label = draw(st.sampled_from(SCHEMA.span_labels))
        attributes = {a.name: draw(st.sampled_from(a.choices)) for a in SCHEMA.attributes_for(label) if draw(st.booleans())}
        spans.append(Span(id=f"r{i}", start=start, end=end, text=text[start:end], label=label,
                          score=draw(st.floats(0, 1)), attributes=attributes))
    relations = []
    for rel in SCHEMA.relations:
        sources = [s.id for s in spans if s.label == rel.from_label]
        targets = [s.id for s in spans if s.label == rel.to_label]
        if sources and targets:
            pairs = st.tuples(st.sampled_from(sources), st.sampled_from(targets))
            for a, b in draw(st.lists(pairs, max_size=3, unique=True)):
                relations.append(Relation(from_id=a, to_id=b, type=rel.name))
    article = Article(article_id="a", content_hash="h", text=text, source_path="t")
    return Document(article=article, model_version="m", spans=tuple(spans), relations=tuple(relations))


@settings(max_examples=200, deadline=None)
@given(documents())
def test_document_to_task_result_and_back_is_identity(doc: Document):
    task = Task.model_validate_json(to_task(doc).model_dump_json())  # as read back from a file
    validate_task(task, INTERFACE)
    result = [r.model_dump() for r in task.predictions[0].result]
    assert all(doc.text[r["value"]["start"]:r["value"]["end"]] == r["value"]["text"] for r in result if "value" in r)
    assert document_from_result(doc.article, result, model_version="m") == doc


# Annotations as Label Studio returns them.

ANNOTATION = [
    {"id": "Xa1", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
     "value": {"start": 0, "end": 9, "text": "Officials", "labels": ["SOURCE"]}},
    {"id": "Xa1", "from_name": "source_type", "to_name": "text", "type": "choices", "origin": "manual",
     "value": {"start": 0, "end": 9, "text": "Officials", "choices": ["official_body"]}},
    {"id": "c1", "from_name": "label", "to_name": "text", "type": "labels", "origin": "prediction", "score": 0.7,
     "value": {"start": C0, "end": C0 + len(CLAIM_TEXT), "text": CLAIM_TEXT, "labels": ["CLAIM"]}},
    {"from_id": "c1", "to_id": "Xa1", "type": "relation", "direction": "left", "labels": ["attributed_to"]},
    {"id": "r9", "from_name": "review", "to_name": "text", "type": "choices", "value": {"choices": ["reject"]}},
    {"id": "r10", "from_name": "review_comment", "to_name": "text", "type": "textarea", "value": {"text": ["Split c1.", "Thanks"]}},
]


def test_an_annotation_becomes_a_document_and_a_review_decision():
    article = hand_document().article
    doc = document_from_result(article, ANNOTATION)
    assert [(s.id, s.label, s.score, s.attributes) for s in doc.spans] == [
        ("Xa1", "SOURCE", 1.0, {"source_type": "official_body"}), ("c1", "CLAIM", 0.7, {})]
    assert doc.relations == (Relation(from_id="Xa1", to_id="c1", type="attributed_to"),)  # "left" turned around
    review = review_from_result(ANNOTATION)
    assert (review.decision, review.comment) == ("reject", "Split c1.\nThanks")
    assert review_from_result(ANNOTATION[:4]).decision is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r[3].update(labels=[]), "relation c1->Xa1: expected exactly one value"),
        (lambda r: r[3].update(direction="bi"), "relation c1->Xa1: bidirectional"),
        (lambda r: r[3].update(labels=["caused"]), "relation c1->Xa1: 1 validation error for Relation"),
        (lambda r: r[1]["value"].update(choices=["media", "document"]), "region Xa1: expected exactly one value"),
        (lambda r: r[1].update(id="nowhere"), "region nowhere: attributes without a labelled span"),
        (lambda r: r[0]["value"].update(start="zero"), "region Xa1: not a text span"),
        (lambda r: r[2]["value"].update(start=C0 + 1), "span c1"),
    ],
)
def test_an_annotation_the_schema_cannot_hold_is_an_error_naming_the_region(change, message):
    result = copy.deepcopy(ANNOTATION)
    change(result)
    with pytest.raises(ValueError, match="art_x") as err:
        document_from_result(hand_document().article, result)
    assert message in str(err.value)


def test_label_studio_stores_the_prediction_and_it_reads_back_as_the_document(labelstudio):
    """A real server accepts the generated config and the task, and keeps every offset and region as sent."""
    client = labelstudio.client
    project = client.projects.create(title="tasks round trip", label_config=labeling_config())
    doc = hand_document()
    client.projects.import_tasks(id=project.id, request=[to_task(doc).model_dump(mode="json")], commit_to_project=True)
    (task,) = client.tasks.list(project=project.id, fields="all")
    assert task.data["text"] == TEXT and task.data["published"] is None
    (prediction,) = task.predictions
    result = prediction["result"] if isinstance(prediction, dict) else prediction.result
    assert document_from_result(doc.article, result, model_version="hand-1") == doc


# Writers


def test_writers_produce_json_and_jsonl_that_read_back_as_the_tasks(tmp_path):
    tasks = [to_task(hand_document()), to_task(hand_document(None), with_predictions=False)]
    assert write_tasks(iter(tasks), tmp_path / "t.json", "json") == 2
    assert [Task.model_validate(t) for t in json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))] == tasks
    assert write_tasks(iter(tasks), tmp_path / "t.jsonl", "jsonl") == 2
    lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    assert [Task.model_validate_json(line) for line in lines] == tasks
    assert "北朝鮮 troops 🎉" in lines[0]  # UTF-8, not \u escapes


def test_no_tasks_make_an_empty_json_array(tmp_path):
    assert write_tasks([], tmp_path / "t.json") == 0
    assert json.loads((tmp_path / "t.json").read_text()) == []


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_crash_mid_stream_leaves_the_previous_file_intact(tmp_path, fmt):
    path = tmp_path / f"t.{fmt}"
    path.write_text("previous")

    def exploding():
        yield to_task(hand_document())
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_tasks(exploding(), path, fmt)
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_an_unknown_format_is_refused_before_touching_the_file(tmp_path):
    path = tmp_path / "t.csv"
    with pytest.raises(ValueError, match="unknown task file format 'csv'"):
        write_tasks([to_task(hand_document())], path, "csv")  # type: ignore[arg-type]
    assert not path.exists()


# `curation tasks` end to end (ingest -> pre-annotate -> tasks)


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
    assert INTERFACE.validate_prediction(prediction, return_errors=True) == []


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
