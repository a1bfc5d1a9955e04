"""Pure functions of pull: how an annotation departs from its task's prediction."""

from __future__ import annotations

from curation.sync.pull import region_changes


def span(rid: str, start: int, end: int, label: str) -> dict:
    return {"id": rid, "type": "labels", "from_name": "label", "to_name": "text",
            "value": {"start": start, "end": end, "text": "x" * (end - start), "labels": [label]}}


def attribute(rid: str, name: str, value: str) -> dict:
    return {"id": rid, "type": "choices", "from_name": name, "to_name": "text",
            "value": {"start": 0, "end": 1, "text": "x", "choices": [value]}}


def test_region_changes_count_span_label_and_attribute_edits():
    predicted = [span("a", 0, 1, "CLAIM"), attribute("a", "check_worthiness", "check_worthy"),
                 span("b", 2, 3, "HEDGE"), span("c", 4, 5, "SOURCE"), span("d", 6, 7, "SOURCE"),
                 span("f", 9, 10, "HEDGE")]
    annotation = [
        span("a", 0, 1, "CLAIM"), attribute("a", "check_worthiness", "unsure"),  # an attribute changed: edited
        span("b", 2, 4, "HEDGE"),  # a boundary moved: edited
        span("c", 4, 5, "SOURCE"),  # kept
        span("f", 9, 10, "CLAIM"),  # relabelled: edited
        span("e", 8, 9, "CLAIM"),  # added; "d" was deleted
        {"type": "relation", "from_id": "c", "to_id": "a", "labels": ["attributed_to"]},  # not a region
        {"id": "review", "type": "choices", "from_name": "review", "to_name": "text", "value": {"choices": ["accept"]}},
    ]
    assert region_changes(annotation, predicted) == (1, 3, 1, 1)
    assert region_changes(predicted, predicted) == (5, 0, 0, 0)
