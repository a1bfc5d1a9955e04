"""Review state of each task under the workspace's review rule, from pulled snapshots: the one place that
decides what "reviewed" means (export's selection, status and the quality figures all read it from here).

A task is `reviewed` only through someone entitled to review when they saved (the rule's `reviewers`: the
workspace's admin, and the team's members during their reviewer terms):

- `accept`: an annotation carrying the review decision accept, last saved by a reviewer;
- `ground_truth`: an annotation marked ground truth, last saved by a reviewer (Label Studio records the user
  of every request that saves an annotation, the ground-truth toggle included, as `updated_by`);
- `agreement`: the policy's `agreeing_annotators` *different* people's latest annotations agree at exact-span
  F1 >= `agreement_threshold`.

Who saved an annotation is Label Studio's `updated_by`, set from the authenticated request; `completed_by`
is not evidence, since any member may send an annotation "completed by" someone else. An accept that no
reviewer saved (an annotator accepting their own work) is a *self-accept*: kept, counted, never a review.

Other states: `rejected` (a reject decision and nothing that reviews it), `skipped` (every annotation
cancelled), `annotated` (anything else with annotations), `in_progress` (no annotation yet, but a draft
saved in Label Studio) and `new` (neither).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl

from curation.workspace import ReviewPolicy

STATES = ("new", "in_progress", "annotated", "reviewed", "rejected", "skipped")
RULES = ("accept", "ground_truth", "agreement")


@dataclass(frozen=True)
class ReviewRule:
    """The workspace's review policy and the Label Studio users entitled to review under it, and when."""

    policy: ReviewPolicy
    reviewers: frozenset[int]  # entitled whenever they saved
    terms: tuple[tuple[int, str | None, str | None], ...] = ()  # (user id, from, until): entitled in between (ISO)


def _entitled(rule: ReviewRule) -> pl.Expr:
    """Whether an annotation's saver was entitled to review when it was saved (`updated_at`)."""
    saved = pl.col("updated_at").str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
    entitled = pl.col("saver").is_in(pl.Series(sorted(rule.reviewers), dtype=pl.Int64).implode())
    for user_id, start, end in rule.terms:
        during = pl.col("saver") == user_id
        if start is not None:
            during &= saved >= _instant(start)
        if end is not None:
            during &= saved < _instant(end)
        entitled |= during
    return entitled.fill_null(False)


def _instant(iso: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


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


def _saver(live: pl.DataFrame) -> pl.Expr:
    """Who last saved each annotation: `updated_by`, else (older snapshots) `completed_by`."""
    if "updated_by" in live.columns:
        return pl.coalesce(pl.col("updated_by"), pl.col("completed_by"))
    return pl.col("completed_by")


def with_authors(live: pl.DataFrame, rule: ReviewRule) -> pl.DataFrame:
    """`live` with `saver`, `entitled` (the saver could review when saving) and `author`: the person an annotation
    stands for, `completed_by` only when a reviewer saved it on someone's behalf, else its saver. Every figure
    per person (status, quality, agreement between different people) groups by `author`."""
    frame = live.with_columns(_saver(live).alias("saver"))
    frame = frame.with_columns(_entitled(rule).alias("entitled"))
    return frame.with_columns(
        pl.when(pl.col("entitled")).then(pl.col("completed_by")).otherwise(pl.col("saver")).alias("author"))


def flagged(live: pl.DataFrame, rule: ReviewRule) -> pl.DataFrame:
    """`live` with what each annotation counts for: `saver`; `entitled` (the saver may review); `author` (the
    person it stands for: `completed_by` when a reviewer saved it on their behalf, else its saver); `accepts`
    and `grounds` (a review under the policy); `self_accept` (an accept no reviewer saved); `agrees` (one of
    the agreeing group of a task that the agreement rule reviews)."""
    policy, submitted = rule.policy, ~pl.col("was_cancelled")
    accept = submitted & (pl.col("review").fill_null("") == "accept")
    frame = with_authors(live, rule)
    frame = frame.with_columns(
        (accept & pl.col("entitled") & pl.lit(policy.accept_decision)).alias("accepts"),
        (submitted & pl.col("ground_truth") & pl.col("entitled") & pl.lit(policy.ground_truth)).alias("grounds"),
        (accept & ~pl.col("entitled")).alias("self_accept"),
    )
    return frame.with_columns(pl.Series("agrees", agreeing(frame, policy), dtype=pl.Boolean))


def agreeing(frame: pl.DataFrame, policy: ReviewPolicy) -> list[bool]:
    """Per row: a member of an agreeing group of at least `agreeing_annotators` different authors (each
    author's latest submitted annotation), in a task no accept or ground truth reviews already."""
    agrees = [False] * frame.height
    needed = policy.agreeing_annotators
    if not needed:
        return agrees
    decided = frame.filter(pl.col("accepts") | pl.col("grounds"))["task_id"].implode()
    latest = (frame.with_row_index("row").filter(~pl.col("was_cancelled") & ~pl.col("task_id").is_in(decided))
              .sort("updated_at", "annotation_id").group_by("task_id", "author", maintain_order=True).last())
    for _, group in latest.filter(pl.len().over("task_id") >= needed).group_by("task_id"):
        members = agreeing_members(group["result"].to_list(), policy.agreement_threshold)
        if sum(members) >= needed:
            for row, member in zip(group["row"], members):
                agrees[row] = member
    return agrees


def states_of(frame: pl.DataFrame) -> pl.DataFrame:
    """(task_id, state, rule, self_accepted) for every task of a `flagged` frame: `rule` says how a reviewed
    task became reviewed (accept before ground truth before agreement); `self_accepted` marks a task with
    an accept that did not review it."""
    submitted = ~pl.col("was_cancelled")
    per_task = frame.group_by("task_id").agg(
        submitted.sum().alias("submitted"), pl.col("accepts").any(), pl.col("grounds").any(), pl.col("agrees").any(),
        (submitted & (pl.col("review") == "reject")).any().alias("rejected"), pl.col("self_accept").any())
    rule = (pl.when(pl.col("accepts")).then(pl.lit("accept")).when(pl.col("grounds")).then(pl.lit("ground_truth"))
            .when(pl.col("agrees")).then(pl.lit("agreement")).otherwise(pl.lit(None, pl.String)))
    state = (pl.when(pl.col("submitted") == 0).then(pl.lit("skipped")).when(rule.is_not_null()).then(pl.lit("reviewed"))
             .when(pl.col("rejected")).then(pl.lit("rejected")).otherwise(pl.lit("annotated")))
    return per_task.select("task_id", state.alias("state"), rule.alias("rule"),
                           (pl.col("self_accept") & rule.is_null()).alias("self_accepted")).sort("task_id")


def review_states(live: pl.DataFrame, rule: ReviewRule) -> pl.DataFrame:
    """(task_id, state, rule, self_accepted) for every task with live annotations, over all tasks at once (a
    per-task loop took seconds at 10,000 tasks); only the agreement rule looks at results, and only for tasks
    it can decide."""
    return states_of(flagged(live, rule))


def task_states(live: pl.DataFrame, rule: ReviewRule) -> dict[int, str]:
    """task id -> state, for every task that has (live) annotations."""
    return dict(review_states(live, rule).select("task_id", "state").iter_rows())
