"""The review rule and the team roster without a server: who may review, self-accepts, forged attribution,
agreement between *different* people, and a roster two operators change at once."""

from __future__ import annotations

import json
import multiprocessing
import stat
from pathlib import Path

import polars as pl
import pytest

from curation.export.select import select
from curation.sync.review import ReviewRule, review_states
from curation.team import roster
from curation.team.overlap import checked_overlap
from curation.team.roster import Member, TeamError
from curation.workspace import ReviewPolicy, Workspace, WorkspaceError

ADMIN, REVIEWER, ADA, BOB = 1, 2, 3, 4
SAME = json.dumps([{"from_name": "label", "value": {"labels": ["CLAIM"], "start": 0, "end": 4}}])


def live(rows: list[dict]) -> pl.DataFrame:
    base = {"was_cancelled": False, "ground_truth": False, "review": None, "updated_at": "2024", "result": "[]"}
    frame = [{**base, "annotation_id": i, "article_id": f"a{r['task_id']}", **r} for i, r in enumerate(rows, 1)]
    return pl.DataFrame(frame, schema_overrides={"updated_by": pl.Int64})


def states(rows: list[dict], policy: ReviewPolicy = ReviewPolicy()) -> dict[int, tuple[str, str | None, bool]]:
    frame = review_states(live(rows), ReviewRule(policy, frozenset({ADMIN, REVIEWER})))
    return {t: (s, r, self_accepted) for t, s, r, self_accepted in frame.iter_rows()}


def test_only_a_reviewer_or_the_admin_saving_an_accept_or_ground_truth_reviews():
    got = states([
        {"task_id": 1, "completed_by": ADA, "updated_by": ADA, "review": "accept"},  # self-accept
        {"task_id": 2, "completed_by": REVIEWER, "updated_by": BOB, "review": "accept"},  # forged completed_by
        {"task_id": 3, "completed_by": ADA, "updated_by": REVIEWER, "review": "accept"},  # reviewer updated Ada's
        {"task_id": 4, "completed_by": ADA, "updated_by": ADA, "ground_truth": True},  # Ada's own ground truth
        {"task_id": 5, "completed_by": ADA, "updated_by": ADMIN, "ground_truth": True},  # the admin set it
        {"task_id": 6, "completed_by": ADA, "updated_by": None, "review": "accept"},  # older snapshot: completed_by
        {"task_id": 7, "completed_by": REVIEWER, "updated_by": None, "review": "accept"},
    ])
    assert got == {1: ("annotated", None, True), 2: ("annotated", None, True), 3: ("reviewed", "accept", False),
                   4: ("annotated", None, False), 5: ("reviewed", "ground_truth", False),
                   6: ("annotated", None, True), 7: ("reviewed", "accept", False)}


def test_agreement_needs_that_many_different_people():
    policy = ReviewPolicy(agreeing_annotators=2)
    got = states([
        {"task_id": 1, "completed_by": ADA, "updated_by": ADA, "result": SAME},
        {"task_id": 1, "completed_by": ADA, "updated_by": ADA, "result": SAME},  # Ada twice is one person
        {"task_id": 2, "completed_by": ADA, "updated_by": ADA, "result": SAME},
        {"task_id": 2, "completed_by": BOB, "updated_by": BOB, "result": SAME},
        {"task_id": 3, "completed_by": ADA, "updated_by": ADA, "result": SAME},
        {"task_id": 3, "completed_by": ADA, "updated_by": BOB, "result": SAME},  # Bob's, "completed by" Ada
    ], policy)
    assert got == {1: ("annotated", None, False), 2: ("reviewed", "agreement", False),
                   3: ("reviewed", "agreement", False)}


def test_the_export_chooses_the_reviewers_annotation_over_a_later_self_accept():
    rows = live([
        {"task_id": 1, "completed_by": REVIEWER, "updated_by": REVIEWER, "review": "accept", "updated_at": "2024-01"},
        {"task_id": 1, "completed_by": ADA, "updated_by": ADA, "review": "accept", "updated_at": "2024-02"},
    ])
    chosen = select(rows, ReviewRule(ReviewPolicy(), frozenset({REVIEWER}))).chosen
    assert chosen.select("completed_by", "rule", "saver").rows() == [(REVIEWER, "accept", REVIEWER)]
    assert select(rows, ReviewRule(ReviewPolicy(), frozenset({REVIEWER}))).self_accepts == 1
    assert select(rows, ReviewRule(ReviewPolicy(), frozenset())).chosen.height == 0  # nobody may review


def test_an_accept_reviews_only_within_its_savers_reviewer_term():
    team = roster.Roster(members=[member("ada@x.org", "annotator", ADA), member("old@x.org", "reviewer", REVIEWER)],
                         admins=[ADMIN])
    ada = team.member("ada@x.org")
    ada.set_role("reviewer", "2026-02-01T00:00:00+00:00")  # promoted ...
    ada.set_role("annotator", "2026-03-01T00:00:00+00:00")  # ... and back
    team = roster.Roster.model_validate_json(team.model_dump_json())  # as saved in team.json
    accept = {"completed_by": BOB, "updated_by": ADA, "review": "accept"}  # Ada accepts Bob's annotation
    rows = live([
        {**accept, "task_id": 1, "updated_at": "2026-01-15T10:00:00.123456Z"},  # before her term
        {**accept, "task_id": 2, "updated_at": "2026-02-15T10:00:00Z"},  # during it
        {**accept, "task_id": 3, "updated_at": "2026-03-15T10:00:00Z"},  # after it
        {"task_id": 4, "completed_by": BOB, "updated_by": REVIEWER, "review": "accept", "updated_at": "2020-01-01T00:00:00Z"},
        {"task_id": 5, "completed_by": BOB, "updated_by": ADMIN, "review": "accept", "updated_at": "2020-01-01T00:00:00Z"},
    ])
    got = dict(review_states(rows, team.review_rule(ReviewPolicy())).select("task_id", "state").iter_rows())
    # a reviewer of an older roster (no terms recorded) and the admin review at any time
    assert got == {1: "annotated", 2: "reviewed", 3: "annotated", 4: "reviewed", 5: "reviewed"}
    old = roster.Roster.model_validate({"members": [{"email": "old@x.org", "role": "reviewer", "user_id": REVIEWER,
                                                     "added_at": "2024"}]})
    old.member("old@x.org").set_role("annotator", "2026-01-01T00:00:00+00:00")  # demoted: earlier reviews stay
    got = dict(review_states(rows, old.review_rule(ReviewPolicy())).select("task_id", "state").iter_rows())
    assert got[4] == "reviewed"


def test_quality_counts_an_annotation_for_whoever_saved_it_not_for_the_name_it_gives():
    from curation.quality.annotations import parse
    from curation.sync.review import with_authors
    from tests.export_fixtures import region

    text = "Officials said the bridge would reopen."
    data = {"article_id": "a1", "content_hash": "h", "text": text}
    tasks = pl.DataFrame({"task_id": [1], "data": [json.dumps(data)]})
    result = json.dumps(region(text, "s1", "Officials", "SOURCE"))
    rows = live([{"task_id": 1, "completed_by": ADA, "updated_by": ADA, "result": result},
                 {"task_id": 1, "completed_by": ADA, "updated_by": BOB, "result": result}])  # Bob's, "completed by" Ada
    pulled = parse(with_authors(rows, ReviewRule(ReviewPolicy(), frozenset({ADMIN}))), tasks)
    assert [a.annotator for a in pulled.multi_annotated()[1]] == [ADA, BOB]  # two people, agreement between them
    with pytest.raises(ValueError, match="author"):  # by the name given alone it would be one person twice
        parse(rows, tasks)


def member(email: str, role: str, user_id: int, active: bool = True) -> Member:
    return Member(email=email, role=role, user_id=user_id, active=active, added_at="2024")


def add_many(root: str, start: int) -> None:
    ws = Workspace(Path(root))  # another process: its own view of the file, the same lock
    for i in range(start, start + 20):
        with roster.editing(ws) as team:
            team.members.append(member(f"p{i}@example.org", "annotator", i))


def test_two_operators_adding_at_once_lose_nobody_and_the_file_stays_private(tmp_path):
    ws = Workspace(tmp_path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=add_many, args=(str(tmp_path), start)) for start in (0, 100)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert sorted(m.user_id for m in roster.load(ws).members) == [*range(20), *range(100, 120)]
    assert stat.S_IMODE(roster.path(ws).stat().st_mode) == 0o600


def test_a_damaged_roster_is_named_and_bad_input_refused(tmp_path):
    ws = Workspace(tmp_path)
    ws.dir.mkdir(exist_ok=True)
    roster.path(ws).write_text('{"members": [{"email": 3}]}')
    with pytest.raises(WorkspaceError, match="team.json: not a valid team roster"):
        roster.load(ws)
    with pytest.raises(TeamError, match="unknown role 'owner'"):
        roster.checked_role("owner")
    with pytest.raises(TeamError, match="not a valid e-mail address"):
        roster.checked_email("ada@")
    assert roster.checked_email("Ada@Example.org") == "ada@example.org"


def test_overlap_is_checked_against_the_active_annotators(tmp_path):
    ws = Workspace(tmp_path)
    roster.save(ws, roster.Roster(members=[member("a@x.org", "annotator", 3), member("b@x.org", "annotator", 4),
                                           member("c@x.org", "annotator", 5, active=False)]))
    assert checked_overlap(ws, 2, 20).settings() == {"maximum_annotations": 2, "overlap_cohort_percentage": 20}
    assert checked_overlap(ws, 1, None).annotators == 1 and checked_overlap(ws, None, None) is None
    for annotators, share, message in [(0, None, "at least one"), (3, None, "more than the team's 2"),
                                       (2, 0, "1 to 100"), (None, 50, "needs --overlap")]:
        with pytest.raises(TeamError, match=message):
            checked_overlap(ws, annotators, share)


def test_maintainers_see_one_distinct_name_per_person(tmp_path):
    ws = Workspace(tmp_path)
    team = roster.Roster(members=[member("ada@x.org", "annotator", 3), member("ada2@x.org", "annotator", 4),
                                  member("bob@x.org", "reviewer", 5)], admins=[1])
    team.members[0].name = team.members[1].name = "Ada Lovelace"
    roster.save(ws, team)
    name = roster.names(ws)
    assert [name(u) for u in (3, 4, 5, 1, 9)] == ["Ada Lovelace <ada@x.org>", "Ada Lovelace <ada2@x.org>", "bob@x.org",
                                                  "admin", "user 9"]


def test_the_review_queue_holds_unreviewed_disputed_complete_and_sampled_tasks():
    from curation.quality.annotations import parse
    from curation.sync.review import with_authors
    from curation.team.queue import needing_review

    text = "Prices rose."
    claim = json.dumps([{"id": "c", "type": "labels", "from_name": "label", "to_name": "text",
                         "value": {"start": 0, "end": 11, "text": "Prices rose", "labels": ["CLAIM"]}}])
    rows = live([
        {"task_id": 1, "completed_by": ADA, "updated_by": ADA, "result": claim},
        {"task_id": 1, "completed_by": BOB, "updated_by": BOB},  # disagrees: no claim
        {"task_id": 2, "completed_by": ADA, "updated_by": ADA, "result": claim},
        {"task_id": 2, "completed_by": BOB, "updated_by": BOB, "result": claim},  # both done, agreeing
        {"task_id": 3, "completed_by": ADA, "updated_by": ADA, "result": claim},  # one annotator so far
        {"task_id": 4, "completed_by": ADA, "updated_by": REVIEWER, "result": claim, "review": "accept"},  # reviewed
    ]).with_columns(pl.lit(0).alias(c) for c in ("regions_kept", "regions_edited", "regions_deleted", "regions_added"))
    tasks = pl.DataFrame([{"task_id": t, "data": json.dumps({"text": text, "article_id": f"a{t}", "content_hash": "h",
                                                              "schema_version": 1})} for t in range(1, 5)])
    rule = ReviewRule(ReviewPolicy(), frozenset({ADMIN, REVIEWER}))
    pulled = parse(with_authors(rows, rule), tasks)
    name = {ADA: "Ada", BOB: "Bob"}.get
    every = needing_review(pulled, rule, overlap=2, sample=100, name=name)
    assert [(q.task_id, q.reason, q.annotators) for q in every] == [
        (1, "disputed", ("Ada", "Bob")), (2, "2 annotators", ("Ada", "Bob")), (3, "sampled", ("Ada",))]
    assert [q.task_id for q in needing_review(pulled, rule, overlap=2, sample=0, name=name)] == [1, 2]
