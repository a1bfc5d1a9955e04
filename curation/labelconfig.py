"""The Label Studio labeling config and project instructions, generated from the label schema.

No label, choice or relation is spelled here: they all come from
schemas/labels.v1.yaml, so the config cannot drift from the models. The article
is shown with <Text> (never <HyperText>) at symbol granularity, so HTML inside
an article appears as text and region offsets are code points of `data.text`
(Label Studio's Text counts code points, as Python does).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, indent, tostring

from markdown_it import MarkdownIt

from curation.schema import SCHEMA, LabelSchema, project_file

TEXT = "text"
LABELS = "label"
REVIEW = "review"  # control names of the per-task fields: LabelSchema.task_fields
COMMENT = "review_comment"
TITLE = "title"
METADATA = ("byline", "published", "publisher", "url", "also_published_as")  # task data keys shown under the title

# Label Studio's own single-letter shortcut (region:unselect); keys it binds with
# a modifier (alt+r, ctrl+enter, ...) cannot clash with a bare letter.
RESERVED_KEYS = frozenset("u")


def choice_hotkeys(schema: LabelSchema = SCHEMA) -> dict[tuple[str, str], str]:
    """(control, choice) -> a mnemonic hotkey: the first letter of the choice no one holds yet.

    Label Studio binds every hotkey globally, so a key used twice would fire two
    controls. The review decision, used on every task, picks first. Choices left
    without a letter get a free key (a digit) from Label Studio itself.
    """
    taken = set(RESERVED_KEYS) | {span.hotkey for span in schema.spans}
    controls = [(REVIEW, schema.task_fields.review.choices)]
    controls += [(attr.name, attr.choices) for attr in schema.region_attributes]
    keys = {}
    for control, choices in controls:
        for choice in choices:
            key = next((c for c in choice.lower() if c.isalpha() and c not in taken), None)
            if key:
                taken.add(key)
                keys[control, choice] = key
    return keys


def labeling_config(schema: LabelSchema = SCHEMA) -> str:
    """The <View> XML: article metadata, the text, span labels, relations, region attributes, review."""
    hotkeys = choice_hotkeys(schema)
    view = Element("View")
    SubElement(view, "Header", value=f"${TITLE}", size="3")
    meta = SubElement(view, "View", style="display: flex; flex-wrap: wrap; column-gap: 1.5em; color: #555")
    for key in METADATA:
        SubElement(meta, "Header", value=f"${key}", size="5", style="margin: 0 0 8px 0")
    labels = SubElement(view, "Labels", name=LABELS, toName=TEXT)
    for span in schema.spans:
        SubElement(labels, "Label", value=span.name, hotkey=span.hotkey, background=span.background, hint=span.description)
    SubElement(view, "Text", name=TEXT, value=f"${TEXT}", granularity="symbol")
    relations = SubElement(view, "Relations")
    for rel in schema.relations:
        SubElement(relations, "Relation", value=rel.name)
    for attr in schema.region_attributes:
        when = {"visibleWhen": "region-selected", "whenLabelValue": attr.label}
        section = SubElement(view, "View", **when)
        SubElement(section, "Header", value=attr.title, size="5")
        choices = SubElement(section, "Choices", name=attr.name, toName=TEXT, perRegion="true", choice="single",
                             showInline="true", **when)
        add_choices(choices, attr.name, attr.choices, hotkeys)
    review = schema.task_fields.review
    SubElement(view, "Header", value=review.title, size="4")
    choices = SubElement(view, "Choices", name=REVIEW, toName=TEXT, choice="single-radio", showInline="true")
    add_choices(choices, REVIEW, review.choices, hotkeys)
    SubElement(view, "Header", value=schema.task_fields.review_comment.title, size="5")
    SubElement(view, "TextArea", name=COMMENT, toName=TEXT, rows="2", editable="true", maxSubmissions="1")
    indent(view)
    return tostring(view, encoding="unicode") + "\n"


def add_choices(parent: Element, control: str, values: tuple[str, ...], hotkeys: dict[tuple[str, str], str]) -> None:
    for value in values:
        key = hotkeys.get((control, value))
        SubElement(parent, "Choice", value=value, **({"hotkey": key} if key else {}))


def guidelines_html() -> str:
    """docs/guidelines.md as HTML for the project's `expert_instruction` (raw HTML in the markdown is escaped)."""
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    return markdown.render(project_file("docs/guidelines.md").read_text(encoding="utf-8"))
