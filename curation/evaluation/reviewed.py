"""Pre-annotators re-run on the project's reviewed tasks, against the final annotations, side by side.

`curation evaluate --reviewed` shows what annotators were shown (the stored
predictions); with `--preannotator model:DIR` it also runs the rules and the model
afresh on the same reviewed texts. Tasks whose article the model was trained on are
counted apart (`seen in training`): a score there is a score on training data.
"""

from __future__ import annotations

import json

import polars as pl

from curation.export.source import article_from_task
from curation.preannotate import Preannotator
from curation.quality.agreement import COUNTS, comparison, final_annotations, summed
from curation.quality.annotations import Pulled
from curation.sync.review import ReviewRule


def trained_articles(annotator: Preannotator) -> set[str]:
    card = getattr(annotator, "card", None) or {}
    return {a for d in card.get("training", {}).get("datasets", []) for a in d.get("articles", [])}


def rerun(pulled: Pulled, rule: ReviewRule, annotators: list[Preannotator]) -> pl.DataFrame:
    """model_version, seen_in_training, label, match, tasks, tp, fp, fn, precision, recall, f1."""
    finals = final_annotations(pulled, rule)
    tasks = pulled.tasks.filter(pl.col("task_id").is_in(list(finals)))
    rows = []
    for annotator in annotators:
        seen = trained_articles(annotator)
        for row in tasks.iter_rows(named=True):
            article = article_from_task(row["task_id"], json.loads(row["data"]))
            predicted = annotator.annotate(article)
            rows += [{"model_version": annotator.model_version, "seen_in_training": article.article_id in seen,
                      "task_id": row["task_id"], **r} for r in comparison(predicted, finals[row["task_id"]].doc)]
    keys = ["model_version", "seen_in_training", "label", "match"]
    schema = {"model_version": pl.String, "seen_in_training": pl.Boolean, "task_id": pl.Int64, **COUNTS}
    if not rows:
        return pl.DataFrame(schema={**{k: schema[k] for k in keys}, "tasks": pl.Int64})
    counted = pl.DataFrame(rows, schema=schema).group_by(keys).agg(pl.col("task_id").n_unique().alias("tasks"))
    return summed(rows, keys, schema).join(counted, on=keys).sort(keys)
