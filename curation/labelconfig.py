"""The Label Studio labeling config, generated from the label schema.

No label, choice or relation is spelled here: they all come from
schemas/labels.v1.yaml, so the config cannot drift from the models.
The article is shown with <Text> (never <HyperText>), so HTML inside an
article appears as text and offsets are code points of `data.text`.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, indent, tostring

from markdown_it import MarkdownIt

from curation.schema import SCHEMA, LabelSchema, project_file

TEXT = "text"
LABELS = "label"


def labeling_config(schema: LabelSchema = SCHEMA) -> str:
    view = Element("View")
    SubElement(view, "Header", value="$title", size="3")
    meta = SubElement(view, "View", style="display: flex; gap: 1em; color: #555; font-size: 90%")
    for field in ("byline", "published", "publisher", "url"):
        SubElement(meta, "Header", value=f"${field}", size="6")
    labels = SubElement(view, "Labels", name=LABELS, toName=TEXT)
    for span in schema.spans:
        SubElement(labels, "Label", value=span.name, hotkey=span.hotkey, background=span.background, hint=span.description)
    SubElement(view, "Text", name=TEXT, value="$text", granularity="symbol")
    relations = SubElement(view, "Relations")
    for rel in schema.relations:
        SubElement(relations, "Relation", value=rel.name)
    for attr in schema.region_attributes:
        choices = SubElement(view, "Choices", name=attr.name, toName=TEXT, perRegion="true", choice="single",
                             showInline="true", visibleWhen="region-selected", whenLabelValue=attr.label)
        for value in attr.choices:
            SubElement(choices, "Choice", value=value)
    review = schema.task_fields.review
    SubElement(view, "Header", value=review.title, size="5")
    choices = SubElement(view, "Choices", name="review", toName=TEXT, choice="single-radio", showInline="true")
    for value in review.choices:
        SubElement(choices, "Choice", value=value)
    SubElement(view, "Header", value=schema.task_fields.review_comment.title, size="6")
    SubElement(view, "TextArea", name="review_comment", toName=TEXT, rows="2", editable="true", maxSubmissions="1")
    indent(view)
    return tostring(view, encoding="unicode") + "\n"


def guidelines_html() -> str:
    """docs/guidelines.md rendered for Label Studio's project instructions."""
    return MarkdownIt("commonmark").enable("table").render(project_file("docs/guidelines.md").read_text(encoding="utf-8"))
