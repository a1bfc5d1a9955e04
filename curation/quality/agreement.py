"""Inter-annotator agreement over the pulled snapshots (`curation agreement`).

Only tasks that two or more annotators submitted count, each annotator's latest
annotation per task. Figures:

- span P/R/F1 per label between every pair of annotators, exact and overlap
  matching (the lower user id's spans are "predicted", the other's "reference";
  F1 does not depend on that choice);
- Krippendorff's alpha (nominal) over token-level labels: all labels at once,
  and per label (token inside a span of that label or not);
- Cohen's kappa per region attribute on overlap-matched span pairs, and for the
  review decision, pooling every annotator pair's items;
- relation P/R/F1 per type: a relation matches when type and both end spans
  (label and offsets) are equal;
- each annotator against the task's final (reviewed) annotation, chosen as the
  export chooses it (`curation.export.select`); the final one is not compared to itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from curation.export.select import select
from curation.models import Document
from curation.quality.annotations import Annotation, Pulled, pairs
from curation.quality.matching import MATCHES, label_counts, pair_spans, scored
from curation.quality.stats import cohen_kappa, nominal_alpha
from curation.quality.tokens import token_counts
from curation.schema import SCHEMA
from curation.sync.review import ReviewRule

COUNTS = {"label": pl.String, "match": pl.String, "tp": pl.Int64, "fp": pl.Int64, "fn": pl.Int64}
ATTRIBUTES = tuple(a.name for a in SCHEMA.region_attributes)
REVIEW = "review"
ANNOTATOR_COLUMNS = ("annotator", "annotator_a", "annotator_b")


@dataclass(frozen=True)
class Agreement:
    tasks: int  # tasks with >= 2 annotators
    spans: pl.DataFrame  # label, match, tp, fp, fn, precision, recall, f1 (all annotator pairs)
    pairs: pl.DataFrame  # the same per annotator_a, annotator_b
    alpha: pl.DataFrame  # label ("all" or a span label), tokens, alpha
    kappa: pl.DataFrame  # field (attribute or "review"), items, observed, kappa
    relations: pl.DataFrame  # type, tp, fp, fn, precision, recall, f1
    versus_final: pl.DataFrame  # annotator, label, match, tasks, tp, fp, fn, precision, recall, f1
    problems: list[str] = field(default_factory=list)

    def as_dict(self, name: Callable[[int | None], str] = str) -> dict:
        """JSON-ready, each annotator shown as `name(user id)` (curation.team.roster.names for maintainers)."""
        return {"tasks": self.tasks, "problems": self.problems,
                **{table: named(getattr(self, table), name).to_dicts() for table in
                   ("spans", "pairs", "alpha", "kappa", "relations", "versus_final")}}


def named(frame: pl.DataFrame, name: Callable[[int | None], str]) -> pl.DataFrame:
    """`frame` with its annotator id columns shown by name."""
    return frame.with_columns(pl.col(c).map_elements(name, return_dtype=pl.String)
                              for c in ANNOTATOR_COLUMNS if c in frame.columns)


def comparison(ours: Document, theirs: Document) -> list[dict]:
    """tp/fp/fn rows (label, match) of one annotation against another."""
    rows = []
    for label in SCHEMA.span_labels:
        for match in MATCHES:
            c = label_counts(ours.spans, theirs.spans, label, exact=match == "exact")
            rows.append({"label": label, "match": match, "tp": c.tp, "fp": c.fp, "fn": c.fn})
    return rows


def summed(rows: list[dict], keys: Sequence[str], schema: dict) -> pl.DataFrame:
    """tp/fp/fn summed per `keys`, scored."""
    frame = pl.DataFrame(rows, schema=schema)
    return scored(frame.group_by(keys).agg(pl.col("tp", "fp", "fn").sum()).sort(keys))


def span_agreement(tasks: dict[int, list[Annotation]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per label and match, per annotator pair) span P/R/F1."""
    rows = [{"annotator_a": a.annotator, "annotator_b": b.annotator, **row}
            for anns in tasks.values() for a, b in pairs(anns) for row in comparison(a.doc, b.doc)]
    schema = {"annotator_a": pl.Int64, "annotator_b": pl.Int64, **COUNTS}
    return summed(rows, ["label", "match"], schema), summed(rows, ["annotator_a", "annotator_b", "label", "match"], schema)


def token_alpha(tasks: dict[int, list[Annotation]]) -> pl.DataFrame:
    """Krippendorff's alpha over tokens: all labels as categories, then each label as a yes/no."""
    rows = []
    for only in (None, *SCHEMA.span_labels):
        counts = [token_counts(anns[0].doc.text, [a.doc.spans for a in anns], only) for anns in tasks.values()]
        matrix = np.concatenate(counts) if counts else np.zeros((0, 2), np.int64)
        rows.append({"label": only or "all", "tokens": len(matrix), "alpha": nominal_alpha(matrix)})
    return pl.DataFrame(rows, schema={"label": pl.String, "tokens": pl.Int64, "alpha": pl.Float64})


def attribute_pairs(a: Annotation, b: Annotation) -> list[tuple[str, str, str]]:
    """(field, a's value, b's value) of every attribute both set on overlap-matched spans, and the review decision."""
    items = [(name, sa.attributes[name], sb.attributes[name])
             for sa, sb in pair_spans(a.doc.spans, b.doc.spans, exact=False)
             for name in ATTRIBUTES if name in sa.attributes and name in sb.attributes]
    if a.review and b.review:
        items.append((REVIEW, a.review, b.review))
    return items


def kappas(tasks: dict[int, list[Annotation]]) -> pl.DataFrame:
    """Cohen's kappa per attribute and for the review decision, over all annotator pairs' items."""
    items = [item for anns in tasks.values() for a, b in pairs(anns) for item in attribute_pairs(a, b)]
    rows = []
    for name in (*ATTRIBUTES, REVIEW):
        values = [(x, y) for field_name, x, y in items if field_name == name]
        observed = sum(x == y for x, y in values) / len(values) if values else None
        rows.append({"field": name, "items": len(values), "observed": observed, "kappa": cohen_kappa(values)})
    return pl.DataFrame(rows, schema={"field": pl.String, "items": pl.Int64, "observed": pl.Float64, "kappa": pl.Float64})


def relation_keys(doc: Document) -> set[tuple]:
    """Relations as (type, from span, to span), spans as (label, start, end): comparable across annotators."""
    spans = {s.id: (s.label, s.start, s.end) for s in doc.spans}
    return {(r.type, spans[r.from_id], spans[r.to_id]) for r in doc.relations}


def relation_agreement(tasks: dict[int, list[Annotation]]) -> pl.DataFrame:
    rows = []
    for anns in tasks.values():
        for a, b in pairs(anns):
            ours, theirs = relation_keys(a.doc), relation_keys(b.doc)
            for kind in SCHEMA.relation_types:
                x, y = {k for k in ours if k[0] == kind}, {k for k in theirs if k[0] == kind}
                rows.append({"type": kind, "tp": len(x & y), "fp": len(x - y), "fn": len(y - x)})
    return summed(rows, ["type"], {"type": pl.String, "tp": pl.Int64, "fp": pl.Int64, "fn": pl.Int64})


def final_annotations(pulled: Pulled, rule: ReviewRule) -> dict[int, Annotation]:
    """task id -> its final annotation, as the export selects it (parsed ones only)."""
    chosen = select(pulled.live, rule).chosen if pulled.live.height else pulled.live
    return {task: pulled.annotations[ann] for task, ann in chosen.select("task_id", "annotation_id").iter_rows()
            if ann in pulled.annotations}


def versus_final(pulled: Pulled, finals: dict[int, Annotation]) -> pl.DataFrame:
    """Each annotator's spans against the final annotation of every task they annotated (but the final one)."""
    rows = []
    for task_id, anns in pulled.task_annotations().items():
        final = finals.get(task_id)
        for ann in anns:
            if final is not None and ann.annotation_id != final.annotation_id:
                rows += [{"annotator": ann.annotator, "task_id": task_id, **row} for row in comparison(ann.doc, final.doc)]
    schema = {"annotator": pl.Int64, "task_id": pl.Int64, **COUNTS}
    frame = pl.DataFrame(rows, schema=schema)
    keys = ["annotator", "label", "match"]
    totals = frame.group_by(keys).agg(pl.col("task_id").n_unique().alias("tasks"), pl.col("tp", "fp", "fn").sum())
    return scored(totals.sort(keys))


def agreement(pulled: Pulled, rule: ReviewRule) -> Agreement:
    tasks = pulled.multi_annotated()
    spans, by_pair = span_agreement(tasks)
    return Agreement(tasks=len(tasks), spans=spans, pairs=by_pair, alpha=token_alpha(tasks), kappa=kappas(tasks),
                     relations=relation_agreement(tasks), versus_final=versus_final(pulled, final_annotations(pulled, rule)),
                     problems=pulled.problems)
