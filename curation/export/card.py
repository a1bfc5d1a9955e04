"""The dataset card (`README.md`): YAML that `datasets` reads, and prose for people.

The YAML's `configs` name each config's Parquet file per split and its
`dataset_info` gives the features (ClassLabel names included) and exact split
sizes, so `datasets.load_dataset(folder, config)` needs nothing from curation.
"""

from __future__ import annotations

from typing import Any

from datasets import ClassLabel, List, Value
from huggingface_hub import DatasetCard, DatasetCardData

from curation.export import layout
from curation.export.features import CHOICES, CONFIGS, FEATURES, LAYER_COLUMNS, NONE, SPLITS
from curation.export.tokens import TAGS
from curation.schema import SCHEMA
from curation.team.provenance import sentence as review_sentence

FIELDS = {
    "article_id": "Stable article id (content-addressed from the article's id, URL or text).",
    "story_id": "Story the article belongs to: its syndicated copies and revisions share it (splits are by story).",
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
    "label": "Classification target (ClassLabel; -1: no label, see Tasks).",
    "claim_tags": "BIO tag of each token in the CLAIM layer only (nesting kept: a HEDGE inside does not split it).",
    "hedge_tags": "BIO tag of each token in the HEDGE layer only.",
    "source_tags": "BIO tag of each token in the SOURCE layer only.",
    "is_final": "This annotation is the one the other configs publish.",
    "review": "The reviewer's decision on this annotation (none: not reviewed).",
    "ground_truth": "Marked ground truth in Label Studio.",
    "lead_time": "Seconds the annotator spent on it (Label Studio's lead time; null: unknown).",
    "created_at": "When it was submitted (ISO 8601, UTC).", "updated_at": "When it was last changed.",
}


SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
         (10_000_000, "1M<n<10M"))


def size_category(articles: int) -> str:
    """The Hub's size bucket for the number of articles (the `documents` rows)."""
    return next((name for bound, name in SIZES if articles < bound), "n>1T")


def card_data(manifest: dict[str, Any]) -> DatasetCardData:
    """The card's metadata, built with huggingface_hub's own class (what the Hub's viewer and search read); a
    split without rows in a config is left out of `configs` (`datasets` cannot load one)."""
    counts = manifest["counts"]

    def present(config: str) -> list[str]:
        return [s for s in SPLITS if counts[s]["rows"].get(config)]

    configs = [c for c in CONFIGS if present(c)]
    return DatasetCardData(
        language=["en"], license=manifest["license"], pretty_name=f"{manifest['name']} {manifest['version']}",
        annotations_creators=[manifest.get("annotations_creators", "expert-generated")],
        language_creators=["found"], multilinguality=["monolingual"],
        size_categories=[size_category(sum(counts[s]["articles"] for s in SPLITS))], source_datasets=["original"],
        task_categories=["token-classification", "text-classification"],
        task_ids=["fact-checking", "multi-class-classification"],
        tags=["fact-checking", "claim-detection", "hedge-detection", "source-attribution", "label-studio"],
        configs=[{"config_name": c, "data_files": [{"split": s, "path": data_path(manifest, c, s)} for s in present(c)],
                  **({"default": True} if c == "documents" else {})} for c in configs],
        dataset_info=[{"config_name": c, "features": FEATURES[c]._to_yaml_list(),
                       "splits": [{"name": s, "num_bytes": counts[s]["bytes"][c], "num_examples": counts[s]["rows"][c]}
                                  for s in present(c)]} for c in configs],
    )


def data_path(manifest: dict[str, Any], config: str, split: str) -> str:
    """The `data_files` path of a split: its shards' pattern, or the one file of a version written before shards
    (its manifest lists it), so that publishing an older version uploads a card that finds its files."""
    single = f"{config}/{split}.parquet"
    return single if single in manifest.get("files", {}) else layout.pattern(config, split)


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


def load_lines(manifest: dict[str, Any], repo_id: str | None) -> str:
    name, version = manifest["name"], manifest["version"]
    where = (lambda c: f'load_dataset("{repo_id}", "{c}", revision="v{version}")') if repo_id else (
        lambda c: f'load_dataset("path/to/{name}/{version}", "{c}")')
    return ("```python\nfrom datasets import load_dataset\n\n" + "\n".join(f"{c} = {where(c)}" for c in CONFIGS)
            + ("" if repo_id else f'\n# once published: load_dataset("ORG/{name}", "tokens", revision="v{version}")')
            + '\ntags = tokens["train"].features["claim_tags"].feature.names  # O, B-CLAIM, I-CLAIM\n```')


def provenance(manifest: dict[str, Any]) -> str:
    if manifest.get("annotations_creators") == "machine-generated":
        return ("**The labels were made by simulated annotators, not by people**: scripts that start from the "
                "rule-based pre-annotations and depart from them in fixed ways. Use this version to see the format "
                "and to try loading and training code, not to train a model for use or to judge label quality.")
    return "The labels were made by people in Label Studio, starting from rule-based pre-annotations."


def tasks_text(manifest: dict[str, Any]) -> str:
    off = sum(manifest["counts"][s].get("misaligned_spans", 0) for s in SPLITS)
    worthiness = ", ".join(CHOICES["check_worthiness"])
    return (
        f"- **Claim detection, hedge and source detection** (token classification): `tokens`, one row per sentence. "
        f"`claim_tags`, `hedge_tags`, `source_tags` are one BIO layer per label, so a HEDGE inside a CLAIM leaves "
        f"the claim one run (seqeval counts it once); `ner_tags` is the same flattened into one layer. Tokens are "
        f"cut by rule (word runs, single other characters, sentence ends), never at labels, so a model sees the "
        f"boundaries it will see at prediction time. A span tags every token it overlaps; {off} span(s) of this "
        f"version do not fall on token boundaries (per split: `misaligned_spans` in `manifest.json`).\n"
        f"- **Check-worthiness of claims** (text classification): `claims.label` over {worthiness}; "
        f"-1 (`datasets`' \"no label\") where the annotator left it unset: `ds.filter(lambda r: r[\"label\"] >= 0)`.\n"
        f"- **Check-worthy sentences** (text classification): `sentences.label` is `no_claim` for a sentence "
        f"without claims, else the value of its most check-worthy claim ({worthiness}); -1 when none of its "
        f"claims is rated.\n"
        f"- **Disagreement-aware training, annotator studies**: `annotations`, every submitted annotation of every "
        f"article's task, with its pseudonymous annotator, lead time, review decision and `is_final`.\n\n"
        f"Every categorical field is a `ClassLabel` with the label schema's full vocabulary "
        f"(schema v{manifest['schema_version']}), the same ids in every version; attributes add `{NONE}` (id 0) for "
        f"\"not set\". Features version {manifest.get('features_version', 1)}: a change of features is a new major "
        f"version.")


def render(manifest: dict[str, Any], repo_id: str | None = None) -> str:
    """The card, `README.md`: metadata from `card_data`, prose for people; `repo_id` puts the Hub repo in the
    load lines (publish renders it so)."""
    name, version, counts = manifest["name"], manifest["version"], manifest["counts"]
    labels = list(SCHEMA.span_labels)
    repo_id = repo_id or manifest.get("hub_repo")
    sections = [
        f"# {name} {version}",
        f"News articles labelled for fact-checking: which statements are **claims** worth checking, which words "
        f"**hedge** them and which **sources** they are attributed to. {sum(counts[s]['articles'] for s in SPLITS)} "
        f"reviewed articles, exported by `curation` from Label Studio project {manifest['source']['project_id']} "
        f"on {manifest['created_at']} (label schema v{manifest['schema_version']}).",
        provenance(manifest),
        "## How to load",
        load_lines(manifest, repo_id),
        "or, in a curation workspace, `curation.load(\"" + name + f"\", version=\"{version}\", config=\"tokens\")`; "
        f"`curation convert {name}@{version} --to spacy|conll|prodigy` writes spaCy DocBin, CoNLL-2003 or Prodigy JSONL.",
        "## Tasks",
        tasks_text(manifest),
        "## Configs and fields",
        "Every row carries its provenance: `article_id`, `story_id`, `task_id`, `annotation_id`, `annotator`, `model_version`, "
        "`schema_version`.",
        *(f"### `{c}`\n\n" + table(["field", "type", "meaning"],
                                   [[f"`{f}`", f"`{kind(t)}`", FIELDS[f]] for f, t in FEATURES[c].items()])
          for c in CONFIGS),
        "## Labels",
        table(["label", "definition"], [[s.name, s.description] for s in SCHEMA.spans]),
        table(["relation", "from → to", "meaning"],
              [[r.name, f"{r.from_label} → {r.to_label}", r.description] for r in SCHEMA.relations]),
        table(["attribute", "on", "ClassLabel names (id order)"],
              [[a.name, a.label, ", ".join([NONE, *a.choices])] for a in SCHEMA.region_attributes]),
        f"BIO tags (`ner_tags`): {', '.join(TAGS)}; per-label layers ("
        + ", ".join(f"`{column}`" for column in LAYER_COLUMNS.values()) + "): O, B-LABEL, I-LABEL. In `ner_tags` "
        "a token takes the label of the shortest span covering it (a HEDGE or SOURCE inside a CLAIM wins over the "
        "CLAIM; equal lengths: SOURCE, then HEDGE, then CLAIM); a run resuming after an inner span, or continuing "
        "into the next sentence, starts with B-. Full guidelines with boundary rules and worked examples: "
        "`docs/guidelines.md` of the curation project.",
        "## Splits",
        f"Splits are {manifest['split_rule']} (ratios "
        + ", ".join(f"{s} {r}" for s, r in manifest["split_ratios"].items())
        + "). No story crosses splits, and a story keeps its split in every version. " + story_line(manifest),
        table(["split", "articles", *CONFIGS], [[s, counts[s]["articles"], *(counts[s]["rows"].get(c, 0) for c in CONFIGS)]
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
        ("Labels come from simulated annotators (see above), " if manifest.get("annotations_creators") == "machine-generated"
         else "Labels come from a small annotation team ")
        + "starting from rule-based pre-annotations, which may bias span boundaries towards the rules' choices. "
        "English news only. Sentence boundaries are automatic. Articles are news as published: their claims are "
        "labelled as claims, not as true or false. Spans covering only whitespace have no tokens in `tokens`.",
    ]
    return str(DatasetCard(f"---\n{card_data(manifest).to_yaml()}\n---\n\n" + "\n\n".join(sections) + "\n"))


def policy_text(policy: dict[str, Any]) -> str:
    """The review policy in words."""
    ways = []
    if policy.get("accept_decision"):
        ways.append("a reviewer chose *accept* on one of its annotations")
    if policy.get("ground_truth"):
        ways.append("one of its annotations is marked ground truth")
    if policy.get("agreeing_annotators"):
        ways.append(f"at least {policy['agreeing_annotators']} annotators agree (span F1, exact match, of "
                    f"{policy.get('agreement_threshold', 1.0):g} or more)")
    return " or ".join(ways) if ways else "never (the policy accepts no task)"


def story_line(manifest: dict[str, Any]) -> str:
    stories = manifest["stories"]
    return (f"{stories['stories']} stories; {stories['copies_included']} extra reviewed copies included, "
            f"{stories['copies_left_out']} left out (one row per story unless exported with `--copies`); "
            f"{manifest['superseded_tasks']} revisions superseded by a newer version.")


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
        f"Label Studio. Only reviewed tasks are included: a task counts as reviewed when {policy_text(policy)}. "
        f"Per article, the final annotation is {manifest['selection_rule']}\n\n"
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
