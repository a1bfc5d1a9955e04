"""Do the pre-annotations help? Predictions against reviewed annotations, and annotators' edits and time.

- per label P/R/F1 of each task's prediction (the pulled task copy) against its
  final annotation (as export selects it), exact and overlap;
- predicted regions annotators kept unchanged, edited or deleted, and regions they
  added (pull counts these per annotation), over every submitted annotation of a
  task with a prediction;
- lead time (seconds Label Studio measured per annotation) on tasks with a
  non-empty prediction against tasks without one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

from curation.export.source import article_from_task
from curation.quality.agreement import COUNTS, comparison, final_annotations, summed
from curation.quality.annotations import Pulled
from curation.tasks import document_from_result
from curation.sync.review import ReviewRule

REGIONS = ("regions_kept", "regions_edited", "regions_deleted", "regions_added")


@dataclass(frozen=True)
class Utility:
    tasks: int  # reviewed tasks with a prediction
    model_versions: list[str]
    spans: pl.DataFrame  # label, match, tp, fp, fn, precision, recall, f1
    regions: dict[str, int]  # kept, edited, deleted, added
    lead_time: pl.DataFrame  # predicted (bool), annotations, mean, median

    def as_dict(self) -> dict:
        return {"tasks": self.tasks, "model_versions": self.model_versions, "spans": self.spans.to_dicts(),
                "regions": self.regions, "lead_time": self.lead_time.to_dicts()}


def predicted_tasks(tasks: pl.DataFrame) -> pl.DataFrame:
    """Task copies whose prediction has at least one region."""
    return tasks.filter(pl.col("prediction").is_not_null() & (pl.col("prediction") != "[]"))


def utility(pulled: Pulled, rule: ReviewRule) -> Utility:
    predicted = predicted_tasks(pulled.tasks)
    finals = final_annotations(pulled, rule)
    compared = predicted.filter(pl.col("task_id").is_in(list(finals)))
    rows = []
    for row in compared.iter_rows(named=True):
        article = article_from_task(row["task_id"], json.loads(row["data"]))
        prediction = document_from_result(article, json.loads(row["prediction"]))
        rows += comparison(prediction, finals[row["task_id"]].doc)
    submitted = pulled.live.filter(~pl.col("was_cancelled"))
    with_prediction = pl.col("task_id").is_in(predicted["task_id"].implode())
    edits = submitted.filter(with_prediction).select(pl.col(REGIONS).sum())
    regions = {name.removeprefix("regions_"): int(edits[name][0] or 0) for name in REGIONS}
    lead = (submitted.filter(pl.col("lead_time").is_not_null())
            .group_by(with_prediction.alias("predicted"))
            .agg(pl.len().alias("annotations"), pl.col("lead_time").mean().alias("mean"),
                 pl.col("lead_time").median().alias("median")).sort("predicted", descending=True))
    return Utility(tasks=compared.height,
                   model_versions=sorted(set(predicted["model_version"].drop_nulls().to_list())),
                   spans=summed(rows, ["label", "match"], COUNTS), regions=regions, lead_time=lead)
