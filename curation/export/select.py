"""Which annotation of an article goes into a dataset.

Only *reviewed* tasks count, under the workspace's review rule (the states of
curation/sync/review.py, which also says who may review).
Within a reviewed task the final annotation is, in this order of preference:

1. an annotation with the review decision `accept` that a reviewer saved (if the policy counts it),
2. else one marked ground truth by a reviewer (if the policy counts it),
3. else one of the agreeing group of different annotators (policy `agreeing_annotators`);

ties go to the latest `updated_at`, then the highest annotation id. When an
article has several reviewed tasks (its text changed and it was imported again),
the newest task (highest id) wins and the older ones are counted as superseded.
Cancelled (skipped) annotations are never chosen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import polars as pl

from curation.sync.review import ReviewRule, flagged, states_of


RULE = ("an annotation a reviewer accepted, else one a reviewer marked ground truth, else one of the agreeing group of "
        "different annotators; ties go to the latest updated_at, then the highest annotation id; of several reviewed tasks of one article, the newest "
        "task's; of several reviewed articles of one story (syndicated copies), the newest task's, unless exported "
        "with --copies.")


@dataclass(frozen=True)
class Selection:
    chosen: pl.DataFrame  # one snapshot row per article: its final annotation
    states: dict[str, int]  # tasks per review state
    excluded: dict[str, int]  # annotations left out: skipped, rejected, not reviewed
    superseded: int  # reviewed tasks of an article whose newer task won
    self_accepts: int  # accept decisions no reviewer saved: kept, never counted as a review


PREFERENCE = (pl.when(pl.col("accepts")).then(0).when(pl.col("grounds")).then(1).when(pl.col("agrees")).then(2)
              .otherwise(3).alias("preference"))  # of a `flagged` row: lower is preferred


def select(live: pl.DataFrame, rule: ReviewRule) -> Selection:
    """The final annotation of every article with a reviewed task; `live` is the latest, undeleted annotations.
    `chosen` keeps review.flagged's columns and the task's `rule` (how it became reviewed)."""
    return choose(flagged(live, rule))


def choose(frame: pl.DataFrame) -> Selection:
    """`select` of a review.flagged frame (for a caller that keeps the frame, and its `author`s, for more)."""
    states = states_of(frame)
    rows = frame.join(states.select("task_id", "state", "rule"), on="task_id")
    submitted = rows.filter(~pl.col("was_cancelled"))
    rejected = pl.col("review").fill_null("") == "reject"
    excluded = {"skipped": rows.height - submitted.height, "rejected": submitted.filter(rejected).height,
                "not_reviewed": submitted.filter((pl.col("state") != "reviewed") & ~rejected).height}
    candidates = submitted.filter(pl.col("state") == "reviewed")
    candidates = candidates.with_columns(PREFERENCE)
    per_task = candidates.sort(["task_id", "preference", "updated_at", "annotation_id"],
                               descending=[False, False, True, True]).unique("task_id", keep="first")
    chosen = per_task.sort(["article_id", "task_id"], descending=[False, True]).unique("article_id", keep="first")
    counts = Counter(states["state"].to_list())
    return Selection(chosen=chosen.sort("article_id").drop("preference", "state"),
                     states={s: counts.get(s, 0) for s in ("reviewed", "rejected", "skipped", "annotated")},
                     excluded=excluded, superseded=per_task.height - chosen.height,
                     self_accepts=submitted.filter(pl.col("self_accept")).height)
