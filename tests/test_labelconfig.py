"""The labeling config and the guidelines, checked against schemas/labels.v1.yaml read directly."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import yaml
from label_studio_sdk.label_interface import LabelInterface
from typer.testing import CliRunner

from curation.cli import app
from curation.labelconfig import guidelines_html, labeling_config
from curation.schema import SCHEMA, RegionAttributeDef, SpanLabelDef, project_file, schemas_dir

YAML = yaml.safe_load((schemas_dir() / "labels.v1.yaml").read_text(encoding="utf-8"))
GUIDELINES = project_file("docs/guidelines.md").read_text(encoding="utf-8")


def parsed(config: str) -> tuple[LabelInterface, ElementTree.Element]:
    interface = LabelInterface(config)
    interface.validate()  # label-studio-sdk's own config checks (tag schema, names, toName)
    return interface, ElementTree.fromstring(config)


def test_config_validates_and_holds_every_label_of_the_schema():
    interface, root = parsed(labeling_config())
    labels = {e.get("value"): (e.get("hotkey"), e.get("background"), e.get("hint")) for e in root.iter("Label")}
    assert labels == {s["name"]: (s["hotkey"], s["background"], s["description"]) for s in YAML["spans"]}
    assert interface.get_control("label").labels == [s["name"] for s in YAML["spans"]]
    assert [e.get("value") for e in root.iter("Relation")] == [r["name"] for r in YAML["relations"]]


def test_region_attributes_are_per_region_choices_shown_for_their_label():
    interface, root = parsed(labeling_config())
    for attr in YAML["region_attributes"]:
        assert interface.get_control(attr["name"]).labels == attr["choices"]
        node = root.find(f".//Choices[@name='{attr['name']}']")
        assert (node.get("perRegion"), node.get("visibleWhen"), node.get("whenLabelValue"), node.get("choice")) == (
            "true", "region-selected", attr["label"], "single")
        section = next(v for v in root.iter("View") if node in list(v))
        assert section.find("Header").get("value") == attr["title"]
        assert (section.get("visibleWhen"), section.get("whenLabelValue")) == ("region-selected", attr["label"])


def test_review_fields_are_per_task():
    interface, root = parsed(labeling_config())
    review = root.find(".//Choices[@name='review']")
    assert review.get("choice") == "single-radio" and review.get("perRegion") is None
    assert interface.get_control("review").labels == YAML["task_fields"]["review"]["choices"]
    assert interface.get_control("review_comment").tag == "TextArea"
    assert {e.get("value") for e in root.iter("Header")} >= {f["title"] for f in YAML["task_fields"].values()}


def test_article_is_plain_text_with_its_metadata_above():
    _, root = parsed(labeling_config())
    assert root.find(".//HyperText") is None
    (text,) = root.iter("Text")
    assert (text.get("name"), text.get("value"), text.get("granularity")) == ("text", "$text", "symbol")
    tags = [e.tag for e in root.iter()]
    headers = [e.get("value") for e in root.iter("Header")]
    assert {"$title", "$byline", "$published", "$url"} <= set(headers)
    assert all(h[1:] in YAML["task_data"] for h in headers if h.startswith("$"))
    assert tags.index("Header") < tags.index("Text")  # title and metadata come first


def test_hotkeys_never_clash():
    _, root = parsed(labeling_config())
    keys = [e.get("hotkey") for e in root.iter() if e.get("hotkey")]
    assert len(keys) == len(set(keys)) and "u" not in keys  # u: Label Studio's unselect-region key
    for choice in root.iter("Choice"):
        if choice.get("hotkey"):
            assert choice.get("hotkey") in choice.get("value")  # mnemonic
    choice_count = sum(len(a["choices"]) for a in YAML["region_attributes"]) + len(YAML["task_fields"]["review"]["choices"])
    assert len(keys) > choice_count / 2  # most choices get one


def test_config_follows_a_changed_schema():
    """Nothing is hard-wired: a new label with an attribute appears, and the config stays valid."""
    schema = SCHEMA.model_copy(update={
        "spans": (*SCHEMA.spans, SpanLabelDef(name="QUOTE", hotkey="k", background="#ffbe0b", description="Direct speech.")),
        "region_attributes": (*SCHEMA.region_attributes,
                              RegionAttributeDef(name="speaker_known", label="QUOTE", title="Speaker known", choices=("yes", "no"))),
    })
    interface, root = parsed(labeling_config(schema))
    assert "QUOTE" in interface.get_control("label").labels
    assert interface.get_control("speaker_known").labels == ["yes", "no"]
    keys = [e.get("hotkey") for e in root.iter() if e.get("hotkey")]
    assert len(keys) == len(set(keys))


def test_cli_config_prints_the_generated_xml():
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 0 and result.output == labeling_config()


def test_guidelines_cover_the_whole_schema():
    words = set(re.findall(r"[\w-]+", GUIDELINES))
    names = [s["name"] for s in YAML["spans"]] + [r["name"] for r in YAML["relations"]]
    for attr in YAML["region_attributes"]:
        names += [attr["name"], *attr["choices"]]
    names += list(YAML["task_fields"]["review"]["choices"])
    assert [n for n in names if n not in words] == []
    flat = " ".join(GUIDELINES.split())
    for span in YAML["spans"]:  # the definitions are the schema's own
        assert " ".join(span["description"].split()) in flat, span["name"]


def test_guidelines_render_to_html_for_label_studio():
    html = guidelines_html()
    assert html.startswith("<h1>") and html.count("<table>") >= 5
    for span in YAML["spans"]:
        assert f"<h2>{span['name']}</h2>" in html
    assert "<code>Alt+R</code>" in html and "**" not in html
