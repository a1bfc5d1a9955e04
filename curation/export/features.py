"""The typed columns of each config, defined once as Hugging Face `Features`.

The same definition gives the Parquet schema (with the `huggingface` metadata
`datasets` reads back) and the card's `dataset_info`, so the two cannot differ.
Every categorical field is a `ClassLabel` whose names are the schema's full
vocabulary (schemas/labels.v1.yaml), never the values a version happens to hold, so
label ids are the same in every version; where a value can be absent (an attribute
an annotator left unset) the first name is "none". `label` columns use `datasets`'
own convention for "no label", -1, where the task's target is unknown.

`FEATURES_VERSION` and `features_id()` version the layout: a version whose features
differ from its parent's must be a new major version (build.py refuses otherwise).
"""

from __future__ import annotations

import hashlib
import json

from datasets import ClassLabel, Features, List, Value

from curation.export.tokens import LAYER_TAGS, TAGS
from curation.schema import SCHEMA

FEATURES_VERSION = 2
CONFIGS = ("documents", "sentences", "tokens", "claims", "annotations")
SPLITS = ("train", "validation", "test")
NONE = "none"
ATTRIBUTES = tuple(dict.fromkeys(a.name for a in SCHEMA.region_attributes))
CHOICES = {a.name: a.choices for a in SCHEMA.region_attributes}

string, int64 = Value("string"), Value("int64")
SPAN_LABEL = ClassLabel(names=list(SCHEMA.span_labels))
RELATION_TYPE = ClassLabel(names=list(SCHEMA.relation_types))
NER_TAG = ClassLabel(names=list(TAGS))
ATTRIBUTE = {name: ClassLabel(names=[NONE, *choices]) for name, choices in CHOICES.items()}
LAYER = {label: ClassLabel(names=list(tags)) for label, tags in LAYER_TAGS.items()}
REVIEW = ClassLabel(names=[NONE, *SCHEMA.task_fields.review.choices])
# Classification targets: a claim's check-worthiness; a sentence's, or no_claim when it holds none.
CLAIM_LABEL = ClassLabel(names=list(CHOICES["check_worthiness"]))
SENTENCE_LABEL = ClassLabel(names=["no_claim", *CHOICES["check_worthiness"]])
LAYER_COLUMNS = {label: f"{label.lower()}_tags" for label in SCHEMA.span_labels}

PROVENANCE = {
    "article_id": string, "task_id": int64, "annotation_id": int64, "annotator": string,
    "model_version": string, "schema_version": Value("int32"),
}
METADATA = {"title": string, "byline": string, "published": string, "url": string, "publisher": string}
SPANS = List({"id": string, "start": int64, "end": int64, "text": string, "label": SPAN_LABEL,
              "attributes": {name: ATTRIBUTE[name] for name in ATTRIBUTES}})
RELATIONS = List({"from": string, "to": string, "type": RELATION_TYPE})

FEATURES: dict[str, Features] = {
    "documents": Features({
        **PROVENANCE, "content_hash": string, **METADATA, "text": string, "spans": SPANS, "relations": RELATIONS,
    }),
    "sentences": Features({
        **PROVENANCE, "sentence_index": int64, "start": int64, "end": int64, "text": string,
        "label": SENTENCE_LABEL, "has_claim": Value("bool"), "check_worthiness": ATTRIBUTE["check_worthiness"],
        "is_hedged": Value("bool"), "has_source": Value("bool"), "span_ids": List(string),
    }),
    "tokens": Features({
        **PROVENANCE, "sentence_index": int64, "tokens": List(string), "ner_tags": List(NER_TAG),
        **{column: List(LAYER[label]) for label, column in LAYER_COLUMNS.items()},
        "token_starts": List(int64), "token_ends": List(int64),
    }),
    "claims": Features({
        **PROVENANCE, "claim_id": string, "text": string, "start": int64, "end": int64, "label": CLAIM_LABEL,
        "check_worthiness": ATTRIBUTE["check_worthiness"], "claim_type": ATTRIBUTE["claim_type"],
        "sources": List({"id": string, "text": string, "source_type": ATTRIBUTE["source_type"]}),
        "hedges": List({"id": string, "text": string, "hedge_strength": ATTRIBUTE["hedge_strength"]}),
        "context": string, "context_start": int64, "context_end": int64, **METADATA,
    }),
    "annotations": Features({
        **PROVENANCE, "is_final": Value("bool"), "review": REVIEW, "ground_truth": Value("bool"),
        "lead_time": Value("float64"), "created_at": string, "updated_at": string,
        "spans": SPANS, "relations": RELATIONS,
    }),
}


def features_id() -> str:
    """A hash of every config's features (names, types, ClassLabel names): equal layouts, equal ids."""
    layout = {config: features.to_dict() for config, features in FEATURES.items()}
    return hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:16]
