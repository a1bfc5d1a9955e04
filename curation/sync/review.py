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


def agreeing(results: list[str], threshold: float) -> int:
    """Size of the largest group of annotations that agree with one member at exact-span F1 >= threshold."""
    sets = [span_set(r) for r in results]
    return max((sum(exact_f1(anchor, other) >= threshold for other in sets) for anchor in sets), default=0)


def task_state(annotations: pl.DataFrame, policy: ReviewPolicy) -> str:
    submitted = annotations.filter(~pl.col("was_cancelled"))
    if submitted.is_empty():
        return "skipped"
    reviews = set(submitted["review"].drop_nulls().to_list())
    if (policy.accept_decision and "accept" in reviews) or (policy.ground_truth and submitted["ground_truth"].any()):
        return "reviewed"
    if policy.agreeing_annotators and agreeing(submitted["result"].to_list(), policy.agreement_threshold) >= policy.agreeing_annotators:
        return "reviewed"
    return "rejected" if "reject" in reviews else "annotated"


def task_states(live: pl.DataFrame, policy: ReviewPolicy) -> dict[int, str]:
    """task id -> state, for every task that has (live) annotations."""
    return {int(key[0]): task_state(group, policy) for key, group in live.group_by("task_id")}
