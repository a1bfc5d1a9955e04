"""The dataset card (`README.md`): YAML that `datasets` reads, and prose for people.

The YAML's `configs` name each config's Parquet file per split and its
`dataset_info` gives the features (ClassLabel names included) and exact split
sizes, so `datasets.load_dataset(folder, config)` needs nothing from curation.
"""

from __future__ import annotations

from typing import Any

import yaml
from datasets import ClassLabel, List, Value

from curation.export.features import CONFIGS, FEATURES, SPLITS
from curation.export.tokens import TAGS
from curation.schema import SCHEMA
from curation.team.provenance import sentence as review_sentence

FIELDS = {
    "article_id": "Stable article id (content-addressed from the article's id, URL or text).",
    "task_id": "Label Studio task id the labels come from.",
    "annotation_id": "Label Studio annotation id of the final annotation.",
    "annotator": "Pseudonymous annotator id (salted SHA-256 of the Label Studio user id; the salt is not published).",
    "model_version": "Pre-annotator whose predictions the annotator started from (null: none).",
    "schema_version": "Version of the label schema (schemas/labels.v1.yaml).",
    "content_hash": "Hash of the article's text and metadata as imported.",
    "title": "Headline.", "byline": "Byline.", "published": "Publication date (ISO 8601).", "url": "Source URL.",
    "publisher": "Publisher (the URL's host when not given).",
    "text": "Article text (documents, sentences) or span text (claims); offsets are Python code points into the article text.",
    "spans": "Labelled regions: id, start, end, text, label (ClassLabel), attributes (null when not set).",
    "relations": "Links between spans by id: from, to, type (ClassLabel).",
    "sentence_index": "Index of the sentence in its article.",
    "start": "Start offset (code points) in the article text.", "end": "End offset (exclusive).",
    "has_claim": "A CLAIM overlaps the sentence.", "is_hedged": "A HEDGE overlaps the sentence.",
    "has_source": "A SOURCE overlaps the sentence.",
    "check_worthiness": "Check-worthiness of the claim (sentences: of its most check-worthy claim).",
    "span_ids": "Ids of the spans overlapping the sentence.",
    "tokens": "Tokens of the sentence.", "ner_tags": "BIO tag of each token (ClassLabel).",
    "token_starts": "Start offset of each token in the article text.", "token_ends": "End offset of each token.",
    "claim_id": "Span id of the claim.", "claim_type": "Claim type.",
    "sources": "SOURCE spans the claim is attributed_to: id, text, source_type.",
    "hedges": "HEDGE spans that qualify the claim: id, text, hedge_strength.",
    "context": "The sentence(s) around the claim.", "context_start": "Start offset of the context.",
    "context_end": "End offset of the context.",
}


def front_matter(manifest: dict[str, Any]) -> dict[str, Any]:
    """The card's YAML; a split without rows in a config is left out of it (`datasets` cannot load one)."""
    counts = manifest["counts"]

    def present(config: str) -> list[str]:
        return [s for s in SPLITS if counts[s]["rows"][config]]

    return {
        "license": manifest["license"],
        "language": ["en"],
        "pretty_name": f"{manifest['name']} {manifest['version']}",
        "task_categories": ["token-classification", "text-classification"],
        "tags": ["fact-checking", "claim-detection", "hedge-detection", "source-attribution", "label-studio"],
        "configs": [{"config_name": c, "data_files": [{"split": s, "path": f"{c}/{s}.parquet"} for s in present(c)],
                     **({"default": True} if c == "documents" else {})} for c in CONFIGS],
        "dataset_info": [{"config_name": c, "features": FEATURES[c]._to_yaml_list(),
                          "splits": [{"name": s, "num_bytes": counts[s]["bytes"][c], "num_examples": counts[s]["rows"][c]}
                                     for s in present(c)]}
                         for c in CONFIGS],
    }


def kind(feature: Any) -> str:
    if isinstance(feature, Value):
        return feature.dtype
    if isinstance(feature, ClassLabel):
        return "ClassLabel"
    if isinstance(feature, List):
        return f"list[{kind(feature.feature)}]"
    return "struct"


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(v) for v in row) + " |" for row in rows])


def render(manifest: dict[str, Any]) -> str:
    name, version, counts = manifest["name"], manifest["version"], manifest["counts"]
    labels = list(SCHEMA.span_labels)
    sections = [
        f"# {name} {version}",
        f"News articles labelled for fact-checking: which statements are **claims** worth checking, which words "
        f"**hedge** them and which **sources** they are attributed to. {sum(counts[s]['articles'] for s in SPLITS)} "
        f"reviewed articles, exported by `curation` from Label Studio project {manifest['source']['project_id']} "
        f"on {manifest['created_at']} (label schema v{manifest['schema_version']}).",
        "## How to load",
        "```python\nfrom datasets import load_dataset\n\n"
        + "\n".join(f'{c} = load_dataset("path/to/{name}/{version}", "{c}")' for c in CONFIGS)
        + f'\n# from the Hub, this exact version:\n# load_dataset("ORG/{name}", "tokens", revision="v{version}")\n'
        + 'tags = tokens["train"].features["ner_tags"].feature.names\n```',
        "or, in a curation workspace, `curation.load(\"" + name + f"\", version=\"{version}\", config=\"tokens\")`.",
        "## Configs and fields",
        "Every row carries its provenance: `article_id`, `task_id`, `annotation_id`, `annotator`, `model_version`, "
        "`schema_version`.",
        *(f"### `{c}`\n\n" + table(["field", "type", "meaning"],
                                   [[f"`{f}`", f"`{kind(t)}`", FIELDS[f]] for f, t in FEATURES[c].items()])
          for c in CONFIGS),
        "## Labels",
        table(["label", "definition"], [[s.name, s.description] for s in SCHEMA.spans]),
        table(["relation", "from → to", "meaning"],
              [[r.name, f"{r.from_label} → {r.to_label}", r.description] for r in SCHEMA.relations]),
        table(["attribute", "on", "values"],
              [[a.name, a.label, ", ".join(a.choices)] for a in SCHEMA.region_attributes]),
        f"BIO tags (`ner_tags`): {', '.join(TAGS)}. Tokens are word runs or single other characters, cut at every "
        "span boundary, so each span is whole tokens. Overlaps: a token takes the label of the shortest span "
        "covering it (a HEDGE or SOURCE inside a CLAIM wins over the CLAIM; equal lengths: SOURCE, then HEDGE, "
        "then CLAIM); a run resuming after an inner span, or continuing into the next sentence, starts with B-. "
        "Full guidelines with boundary rules and worked examples: `docs/guidelines.md` of the curation project.",
        "## Splits",
        "By a stable hash of `article_id` (ratios " + ", ".join(f"{s} {r}" for s, r in manifest["split_ratios"].items())
        + "): an article never crosses splits and keeps its split in every version.",
        table(["split", "articles", *CONFIGS], [[s, counts[s]["articles"], *(counts[s]["rows"][c] for c in CONFIGS)]
                                              for s in SPLITS]),
        "## Label distribution (spans)",
        table(["split", *labels, *SCHEMA.relation_types],
              [[s, *(counts[s]["labels"][lb] for lb in labels), *(counts[s]["relations"][r] for r in SCHEMA.relation_types)]
               for s in SPLITS]),
        "## Annotation process",
        annotation_process(manifest),
        "## Changelog",
        changes(manifest),
        "## Licence",
        f"Annotations: `{manifest['license']}`. The article texts and metadata remain the property of their "
        "publishers and are included for research on fact-checking; check the publishers' terms before "
        "redistributing them or using them commercially.",
        "## Limitations",
        "Labels come from a small annotation team starting from rule-based pre-annotations, which may bias span "
        "boundaries towards the rules' choices. English news only. Sentence boundaries are automatic. Articles "
        "are news as published: their claims are labelled as claims, not as true or false. Spans covering only "
        "whitespace have no tokens in the `tokens` config.",
    ]
    yaml_text = yaml.safe_dump(front_matter(manifest), sort_keys=False, allow_unicode=True)
    return f"---\n{yaml_text}---\n\n" + "\n\n".join(sections) + "\n"


def agreement_figure(agree: dict[str, Any]) -> str:
    if not agree["tasks"]:
        return "no task has two annotators, so none is known"
    shown = lambda v: "undefined" if v is None else f"{v:.3f}"  # noqa: E731
    f1 = ", ".join(f"{key.split()[0]} {shown(v)}" for key, v in agree["span_f1"].items() if key.endswith("exact"))
    alpha = ", ".join(f"{label} {shown(v)}" for label, v in agree["token_alpha"].items())
    return (f"over the {agree['tasks']} tasks with two or more annotators (all of them, reviewed or not): span F1 "
            f"between annotator pairs, exact match, {f1}; Krippendorff's alpha over tokens, {alpha} "
            "(`curation agreement` gives the rest)")


def annotation_process(manifest: dict[str, Any]) -> str:
    tasks, excluded, agree = manifest["tasks"], manifest["excluded_annotations"], manifest["agreement"]
    policy = manifest["review_policy"]
    figure = agreement_figure(agree)
    return (
        f"Articles were pre-annotated by {', '.join(manifest['model_versions']) or 'no model'} and corrected in "
        "Label Studio. Only reviewed tasks are included; a task is reviewed under this policy: "
        f"`{policy}`. Per article, the final annotation is {manifest['selection_rule']}\n\n"
        f"Tasks: {tasks['reviewed']} reviewed, {tasks['rejected']} rejected, {tasks['skipped']} skipped, "
        f"{tasks['annotated']} annotated but not reviewed; {manifest['superseded_tasks']} reviewed tasks superseded "
        f"by a newer task of the same article. Annotations left out: {excluded['skipped']} skipped, "
        f"{excluded['rejected']} rejected, {excluded['not_reviewed']} not reviewed. Agreement: {figure}."
        + (f"\n\n{review_sentence(manifest['review'])}" if "review" in manifest else "")
    )


def changes(manifest: dict[str, Any]) -> str:
    log = manifest["changelog"]
    if manifest["parent"] is None:
        return "First version."
    return (f"Against {manifest['parent']}: {len(log['added'])} articles added, {len(log['removed'])} removed, "
            f"{len(log['changed'])} changed (lists in `manifest.json`).")
