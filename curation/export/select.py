"""Which annotation of an article goes into a dataset.

Only *reviewed* tasks count, under the workspace's review policy (the states of
curation/sync/review.py).
Within a reviewed task the final annotation is, in this order of preference:

1. an annotation with the review decision `accept` (if the policy counts it),
2. else one marked ground truth (if the policy counts it),
3. else one of the largest group of agreeing annotations (policy `agreeing_annotators`);

ties go to the latest `updated_at`, then the highest annotation id. When an
article has several reviewed tasks (its text changed and it was imported again),
the newest task (highest id) wins and the older ones are counted as superseded.
Cancelled (skipped) annotations are never chosen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import polars as pl

from curation.sync.review import agreeing_members, review_states
from curation.workspace import ReviewPolicy


RULE = ("an accepted annotation, else a ground-truth one, else one of the largest agreeing group; ties go to the "
        "latest updated_at, then the highest annotation id; of several reviewed tasks of one article, the newest "
        "task's.")


@dataclass(frozen=True)
class Selection:
    chosen: pl.DataFrame  # one snapshot row per article: its final annotation
    states: dict[str, int]  # tasks per review state
    excluded: dict[str, int]  # annotations left out: skipped, rejected, not reviewed
    superseded: int  # reviewed tasks of an article whose newer task won


def preference(live: pl.DataFrame, policy: ReviewPolicy) -> pl.Series:
    """0 accepted, 1 ground truth, 2 agreeing, 3 anything else submitted (lower is preferred)."""
    agrees = [False] * live.height
    if policy.agreeing_annotators:
        positions = live.with_row_index("row").filter(~pl.col("was_cancelled"))
        for _, group in positions.group_by("task_id"):
            if group.height < 2:  # alone, it agrees with no one (and its result was not read: source.py)
                continue
            for row, member in zip(group["row"], agreeing_members(group["result"].to_list(), policy.agreement_threshold)):
                agrees[row] = member
    return live.select(
        pl.when(pl.lit(policy.accept_decision) & (pl.col("review") == "accept")).then(0)
        .when(pl.lit(policy.ground_truth) & pl.col("ground_truth")).then(1)
        .when(pl.Series(agrees, dtype=pl.Boolean)).then(2)
        .otherwise(3).alias("preference")
    ).to_series()


def select(live: pl.DataFrame, policy: ReviewPolicy) -> Selection:
    """The final annotation of every article with a reviewed task; `live` is the latest, undeleted annotations."""
    states = review_states(live, policy)
    rows = live.join(states, on="task_id")
    submitted = rows.filter(~pl.col("was_cancelled"))
    rejected = pl.col("review").fill_null("") == "reject"
    excluded = {"skipped": rows.height - submitted.height, "rejected": submitted.filter(rejected).height,
                "not_reviewed": submitted.filter((pl.col("state") != "reviewed") & ~rejected).height}
    candidates = submitted.filter(pl.col("state") == "reviewed")
    candidates = candidates.with_columns(preference(candidates, policy))
    per_task = candidates.sort(["task_id", "preference", "updated_at", "annotation_id"],
                               descending=[False, False, True, True]).unique("task_id", keep="first")
    chosen = per_task.sort(["article_id", "task_id"], descending=[False, True]).unique("article_id", keep="first")
    counts = Counter(states["state"].to_list())
    return Selection(chosen=chosen.sort("article_id").drop("preference", "state"),
                     states={s: counts.get(s, 0) for s in ("reviewed", "rejected", "skipped", "annotated")},
                     excluded=excluded, superseded=per_task.height - chosen.height)
