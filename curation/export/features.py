"""The typed columns of each config, defined once as Hugging Face `Features`.

The same definition gives the Parquet schema (with the `huggingface` metadata
`datasets` reads back) and the card's `dataset_info`, so the two cannot differ.
Closed vocabularies without gaps (span labels, relation types, BIO tags) are
`ClassLabel`s; per-region attributes are nullable strings because annotators may
leave them unset.
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from curation.export.tokens import TAGS
from curation.schema import SCHEMA

CONFIGS = ("documents", "sentences", "tokens", "claims")
SPLITS = ("train", "validation", "test")
ATTRIBUTES = tuple(dict.fromkeys(a.name for a in SCHEMA.region_attributes))

string, int64 = Value("string"), Value("int64")
SPAN_LABEL = ClassLabel(names=list(SCHEMA.span_labels))
RELATION_TYPE = ClassLabel(names=list(SCHEMA.relation_types))
NER_TAG = ClassLabel(names=list(TAGS))

PROVENANCE = {
    "article_id": string, "story_id": string, "task_id": int64, "annotation_id": int64, "annotator": string,
    "model_version": string, "schema_version": Value("int32"),
}
METADATA = {"title": string, "byline": string, "published": string, "url": string, "publisher": string}

FEATURES: dict[str, Features] = {
    "documents": Features({
        **PROVENANCE, "content_hash": string, **METADATA, "text": string,
        "spans": List({"id": string, "start": int64, "end": int64, "text": string, "label": SPAN_LABEL,
                       "attributes": {name: string for name in ATTRIBUTES}}),
        "relations": List({"from": string, "to": string, "type": RELATION_TYPE}),
    }),
    "sentences": Features({
        **PROVENANCE, "sentence_index": int64, "start": int64, "end": int64, "text": string,
        "has_claim": Value("bool"), "check_worthiness": string, "is_hedged": Value("bool"),
        "has_source": Value("bool"), "span_ids": List(string),
    }),
    "tokens": Features({
        **PROVENANCE, "sentence_index": int64, "tokens": List(string), "ner_tags": List(NER_TAG),
        "token_starts": List(int64), "token_ends": List(int64),
    }),
    "claims": Features({
        **PROVENANCE, "claim_id": string, "text": string, "start": int64, "end": int64,
        "check_worthiness": string, "claim_type": string,
        "sources": List({"id": string, "text": string, "source_type": string}),
        "hedges": List({"id": string, "text": string, "hedge_strength": string}),
        "context": string, "context_start": int64, "context_end": int64, **METADATA,
    }),
}
