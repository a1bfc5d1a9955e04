"""Review state of each task under the workspace's review policy, from pulled snapshots.

States: `reviewed` (an accepted or ground-truth annotation, or enough annotators
agreeing, as the policy allows), `rejected` (a reject decision and nothing
accepted), `skipped` (every annotation was cancelled), `annotated` (anything
else with annotations), `in_progress` (no annotation yet, but a draft saved in
Label Studio) and `new` (neither).
"""

from __future__ import annotations

import json

import polars as pl

from curation.workspace import ReviewPolicy

STATES = ("new", "in_progress", "annotated", "reviewed", "rejected", "skipped")


def span_set(result_json: str) -> set[tuple[str, int, int]]:
    return {(r["value"]["labels"][0], r["value"]["start"], r["value"]["end"])
            for r in json.loads(result_json) if r.get("from_name") == "label" and r.get("value", {}).get("labels")}


def exact_f1(a: set, b: set) -> float:
    """Span F1 of two annotations with exact (label, start, end) matching; two empty ones agree."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def agreeing_members(results: list[str], threshold: float) -> list[bool]:
    """Membership of the largest group of annotations agreeing (exact-span F1 >= threshold) with one anchor."""
    sets = [span_set(r) for r in results]
    groups = [[exact_f1(anchor, other) >= threshold for other in sets] for anchor in sets]
    return max(groups, key=sum, default=[])


def review_states(live: pl.DataFrame, policy: ReviewPolicy) -> pl.DataFrame:
    """(task_id, state) for every task with live annotations, over all tasks at once (a per-task loop took
    seconds at 10,000 tasks); only the agreement rule looks at results, and only for tasks it can decide."""
    submitted = ~pl.col("was_cancelled")
    per_task = live.group_by("task_id").agg(
        submitted.sum().alias("submitted"),
        (submitted & (pl.col("review") == "accept")).any().alias("accepted"),
        (submitted & pl.col("ground_truth")).any().alias("ground"),
        (submitted & (pl.col("review") == "reject")).any().alias("rejected"),
    )
    reviewed = pl.lit(False)
    if policy.accept_decision:
        reviewed = reviewed | pl.col("accepted")
    if policy.ground_truth:
        reviewed = reviewed | pl.col("ground")
    per_task = per_task.with_columns(reviewed.alias("reviewed"))
    agreed: set[int] = set()
    if policy.agreeing_annotators:
        open_tasks = per_task.filter(~pl.col("reviewed") & (pl.col("submitted") >= policy.agreeing_annotators))["task_id"]
        pending = live.filter(pl.col("task_id").is_in(open_tasks.implode()) & submitted)
        for (task_id,), group in pending.group_by("task_id"):
            if sum(agreeing_members(group["result"].to_list(), policy.agreement_threshold)) >= policy.agreeing_annotators:
                agreed.add(int(task_id))
    return per_task.select("task_id", pl.when(pl.col("submitted") == 0).then(pl.lit("skipped"))
                           .when(pl.col("reviewed") | pl.col("task_id").is_in(list(agreed))).then(pl.lit("reviewed"))
                           .when(pl.col("rejected")).then(pl.lit("rejected"))
                           .otherwise(pl.lit("annotated")).alias("state"))


def task_states(live: pl.DataFrame, policy: ReviewPolicy) -> dict[int, str]:
    """task id -> state, for every task that has (live) annotations."""
    return dict(review_states(live, policy).iter_rows())
