"""A real team against the real Label Studio: two annotators and a reviewer made with `curation team add`
(the invite flow), each acting with their own token (one also through the web login with the password).

With `--overlap 2` both annotators are given the same task by Label Studio's own labeling stream. Ada
accepts her own annotation (a self-accept), Bob sends an accept "completed by" the reviewer (a forged
attribution): neither reviews anything. The reviewer's accept, from `curation review`'s queue, does.
"""

from __future__ import annotations

import json
import shutil
import stat

import httpx
import pytest
from datasets import load_dataset
from label_studio_sdk import LabelStudio
from typer.testing import CliRunner

from curation.cli import app
from curation.cli.shapes import SHAPES, mismatches
from curation.export.pseudonyms import pseudonym, salt
from curation.team import roster
from curation.workspace import Workspace, WorkspaceConfig

pytestmark = pytest.mark.labelstudio
runner = CliRunner()
ARTICLES = {
    "bridge.txt": "Harbour bridge to close for repairs\n\nThe harbour bridge will probably close in May, officials "
                  "said on Monday. Engineers believe the repairs could take six weeks.\n",
    "market.txt": "Prices rise again\n\nPrices rose 5% in May, the central bank reported. Analysts said inflation "
                  "is likely to slow later this year.\n",
}
PEOPLE = {"ada@example.org": ("annotator", "Ada Lovelace"), "bob@example.org": ("annotator", "Bob Marley"),
          "rev@example.org": ("reviewer", "Rita Reviewer")}


def cli(*args: str, ws: Workspace):
    return runner.invoke(app, [*args, "--workspace", str(ws.root)])


def team_workspace(labelstudio, root, title: str) -> Workspace:
    """A workspace of its own (roster, config, snapshots) on the session's server, with its admin login."""
    ws = Workspace(root)
    ws.save_config(WorkspaceConfig(port=labelstudio.workspace.config().port, project_title=title))
    shutil.copy2(labelstudio.workspace.credentials_path, ws.credentials_path)
    return ws


def as_user(labelstudio, login: dict) -> LabelStudio:
    return LabelStudio(base_url=labelstudio.url, api_key=login["token"])


def without_last_region(result: list[dict]) -> list[dict]:
    """`result` less its last labelled region, with that region's attributes and relations."""
    gone = [r["id"] for r in result if r.get("type") == "labels"][-1]
    return [r for r in result if gone not in (r.get("id"), r.get("from_id"), r.get("to_id"))]


def review_choice(decision: str) -> dict:
    return {"id": "rev", "from_name": "review", "to_name": "text", "type": "choices", "value": {"choices": [decision]}}


@pytest.fixture(scope="module")
def team(labelstudio, tmp_path_factory):
    ws = team_workspace(labelstudio, tmp_path_factory.mktemp("team"), "team")
    logins = {}
    for email, (role, name) in PEOPLE.items():
        made = cli("team", "add", email, "--role", role, "--name", name, "--json", ws=ws)
        assert made.exit_code == 0, made.output
        logins[email] = json.loads(made.stdout)
        assert not mismatches(logins[email], SHAPES["team add"])
        assert "cannot hide colleagues' work" in made.stderr  # what Community cannot enforce, said at once
    articles = tmp_path_factory.mktemp("articles")
    for name, text in ARTICLES.items():
        (articles / name).write_text(text, encoding="utf-8")
    pushed = cli("push", str(articles), "--overlap", "2", ws=ws)
    assert pushed.exit_code == 0, pushed.output
    return ws, logins, articles


def project_id(ws: Workspace) -> int:
    return ws.config().project_id


def test_team_add_prints_a_working_login_once_and_keeps_the_roster_private(team, labelstudio):
    ws, logins, _ = team
    ada = logins["ada@example.org"]
    assert set(ada) == {"email", "role", "user_id", "password", "token"} and ada["role"] == "annotator"
    assert stat.S_IMODE(roster.path(ws).stat().st_mode) == 0o600
    kept = roster.path(ws).read_text()
    assert ada["password"] not in kept and ada["token"] not in kept  # shown once, never stored
    for email, login in logins.items():  # each acts as themselves with their own token
        me = as_user(labelstudio, login).users.whoami()
        assert (me.email, me.id) == (email, login["user_id"])
    assert len({login["user_id"] for login in logins.values()}) == 3


def test_an_annotator_signs_in_through_the_web_login_with_the_password(team, labelstudio):
    _, logins, _ = team
    bob = logins["bob@example.org"]
    with httpx.Client(base_url=labelstudio.url, timeout=30) as browser:
        browser.get("/user/login/")
        answer = browser.post("/user/login/", headers={"Referer": f"{labelstudio.url}/user/login/"}, data={
            "email": bob["email"], "password": bob["password"], "csrfmiddlewaretoken": browser.cookies["csrftoken"]})
        assert answer.status_code == 302
        assert browser.get("/api/current-user/whoami").json()["email"] == bob["email"]
        wrong = httpx.post(f"{labelstudio.url}/user/login/", data={"email": bob["email"], "password": "wrong"})
        assert wrong.status_code != 302


def test_bad_input_is_one_clear_error_and_changes_nothing(team, labelstudio):
    ws, _, articles = team
    before_roster, before_config = roster.path(ws).read_bytes(), ws.config_path.read_bytes()
    project = labelstudio.client.projects.get(id=project_id(ws))
    for args, message in [
        (("team", "add", "eve@example.org", "--role", "boss"), "unknown role 'boss'"),
        (("team", "add", "not-an-address", "--role", "annotator"), "not a valid e-mail address"),
        (("team", "remove", "rev@example.org"), "last reviewer"),
        (("team", "add", "rev@example.org", "--role", "annotator"), "last reviewer"),
        (("team", "remove", "nobody@example.org"), "not an active member"),
        (("push", str(articles), "--overlap", "0"), "at least one annotator"),
        (("push", str(articles), "--overlap", "3"), "more than the team's 2 annotators"),
    ]:
        result = cli(*args, ws=ws)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith("error: ") and message in result.stderr and "Traceback" not in result.output
    assert roster.path(ws).read_bytes() == before_roster and ws.config_path.read_bytes() == before_config
    assert [u.email for u in labelstudio.client.users.list()].count("eve@example.org") == 0
    after = labelstudio.client.projects.get(id=project_id(ws))
    assert (after.maximum_annotations, after.overlap_cohort_percentage) == (project.maximum_annotations, 100) == (2, 100)


def test_re_adding_changes_the_role_and_removing_locks_them_out(team, labelstudio):
    ws, _, _ = team
    first = json.loads(cli("team", "add", "temp@example.org", "--role", "annotator", "--json", ws=ws).stdout)
    again = cli("team", "add", "temp@example.org", "--role", "reviewer", "--json", ws=ws)
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    assert second["user_id"] == first["user_id"] and second["role"] == "reviewer" and second["token"] is None
    assert [u.email for u in labelstudio.client.users.list()].count("temp@example.org") == 1
    removed = cli("team", "remove", "temp@example.org", ws=ws)  # not the last reviewer: Rita stays
    assert removed.exit_code == 0, removed.output
    locked_out = httpx.get(f"{labelstudio.url}/api/projects/{project_id(ws)}/",
                           headers={"Authorization": f"Token {first['token']}"})
    assert locked_out.status_code in (403, 404)
    listed = {m["email"]: m for m in json.loads(cli("team", "list", "--json", ws=ws).stdout)}
    assert listed["temp@example.org"]["active"] is False and listed["rev@example.org"]["active"] is True
    assert "was removed" in cli("team", "add", "temp@example.org", "--role", "annotator", ws=ws).stderr


@pytest.fixture(scope="module")
def annotated(team, labelstudio):
    """Both annotators take their next task from the labeling stream and submit it; Ada accepts her own,
    Bob also labels the second task with an accept "completed by" the reviewer."""
    ws, logins, _ = team
    ada, bob = (as_user(labelstudio, logins[e]) for e in ("ada@example.org", "bob@example.org"))
    given = {}
    for who in ("ada", "bob"):  # the labeling stream's next task, asked as each of them
        task = httpx.get(f"{labelstudio.url}/api/projects/{project_id(ws)}/next",
                         headers={"Authorization": f"Token {logins[f'{who}@example.org']['token']}"})
        assert task.status_code == 200, task.text
        given[who] = task.json()
    shared = given["ada"]["id"]
    prediction = given["ada"]["predictions"][0]["result"]
    mine = ada.annotations.create(id=shared, result=prediction + [review_choice("accept")], lead_time=12.0)
    bobs = {"Authorization": f"Token {logins['bob@example.org']['token']}"}
    given["bob again"] = httpx.get(f"{labelstudio.url}/api/projects/{project_id(ws)}/next", headers=bobs).json()
    given["bob reads ada"] = httpx.get(f"{labelstudio.url}/api/annotations/{mine.id}/", headers=bobs).status_code
    bob.annotations.create(id=given["bob"]["id"], result=without_last_region(prediction), lead_time=15.0)
    other = next(t.id for t in labelstudio.client.tasks.list(project=project_id(ws)) if t.id != shared)
    bob.annotations.create(id=other, result=[review_choice("accept")], completed_by=logins["rev@example.org"]["user_id"])
    pulled = cli("pull", ws=ws)
    assert pulled.exit_code == 0, pulled.output
    return ws, logins, given, shared, other


def test_with_overlap_two_both_annotators_get_the_same_task(annotated, labelstudio):
    ws, _, given, shared, _ = annotated
    assert given["bob"]["id"] == given["ada"]["id"] == shared
    assert given["ada"]["predictions"], "the stream shows the pre-annotations"
    # the stream shows Bob the task again without Ada's annotation; the API does not hide it (Community)
    assert given["bob again"]["id"] == shared and given["bob again"]["annotations"] == []
    assert given["bob reads ada"] == 200
    assert all(t.overlap == 2 for t in labelstudio.client.tasks.list(project=project_id(ws), include="id,overlap"))


def test_self_accepts_and_forged_accepts_do_not_review_and_names_show(annotated):
    ws, logins, _, _, _ = annotated
    status = json.loads(cli("status", "--live", "--json", ws=ws).stdout)
    assert not mismatches(status, SHAPES["status"])
    assert status["tasks"]["reviewed"] == 0 and status["tasks"]["annotated"] == 2
    assert status["self_accepted_not_reviewed"] == 2  # Ada's own accept; Bob's accept in the reviewer's name
    assert status["waiting_for_overlap"] == 1  # the second task has Bob's annotation only
    assert status["annotators"]["Ada Lovelace"] == {"submitted": 1, "skipped": 0}
    assert status["annotators"]["Bob Marley"] == {"submitted": 2, "skipped": 0}  # the forged one is his: he saved it
    assert "Rita Reviewer" not in status["annotators"]
    assert not any(str(login["user_id"]) in status["annotators"] for login in logins.values())


def test_agreement_is_between_the_two_real_people_by_name(annotated):
    ws, *_ = annotated
    result = cli("agreement", "--json", ws=ws)
    assert result.exit_code == 0, result.output
    agreed = json.loads(result.stdout)
    assert agreed["tasks"] == 1
    assert {(p["annotator_a"], p["annotator_b"]) for p in agreed["pairs"]} == {("Ada Lovelace", "Bob Marley")}
    exact = {p["label"]: p for p in agreed["pairs"] if p["match"] == "exact"}
    assert sum(p["tp"] for p in exact.values()) >= 1 and sum(p["fp"] + p["fn"] for p in exact.values()) == 1  # Bob left one out


def test_the_reviewers_accept_from_the_queue_reviews_and_the_dataset_keeps_pseudonyms(annotated, labelstudio, tmp_path):
    ws, logins, _, shared, _ = annotated
    queued = cli("review", "--json", ws=ws)
    assert queued.exit_code == 0, queued.output
    queue = json.loads(queued.stdout)
    assert not mismatches(queue, SHAPES["review"])
    entry = next(t for t in queue["tasks"] if t["task_id"] == shared)
    assert entry["reason"] == "disputed" and sorted(entry["annotators"]) == ["Ada Lovelace", "Bob Marley"]
    rita = as_user(labelstudio, logins["rev@example.org"])
    named = {p.model_version: p.result for p in rita.predictions.list(task=shared)}
    assert {"annotator:Ada Lovelace", "annotator:Bob Marley"} <= set(named)  # each annotator's work, by name
    rita.annotations.create(id=shared, result=named["annotator:Bob Marley"] + [review_choice("accept")])
    assert cli("pull", ws=ws).exit_code == 0
    status = json.loads(cli("status", "--json", ws=ws).stdout)
    assert status["tasks"]["reviewed"] == 1 and status["self_accepted_not_reviewed"] == 1  # Bob's forged one stays
    team_json = json.loads(cli("team", "list", "--json", ws=ws).stdout)
    assert not mismatches(team_json, SHAPES["team list"])
    listed = {m["email"]: m for m in team_json}
    assert (listed["rev@example.org"]["reviews"], listed["ada@example.org"]["self_accepts"]) == (1, 1)
    assert listed["ada@example.org"]["annotations"] == 1 and listed["bob@example.org"]["reviews"] == 0

    exported = cli("export", "--name", "team", "--version", "1.0.0", "--root", str(tmp_path), ws=ws)
    assert exported.exit_code == 0, exported.output
    folder = tmp_path / "team" / "1.0.0"
    documents = load_dataset(str(folder), "documents")
    rows = [row for split in documents.values() for row in split]
    assert len(rows) == 1 and rows[0]["task_id"] == shared
    key = salt(ws)
    assert rows[0]["annotator"] == pseudonym(key, logins["rev@example.org"]["user_id"]) == listed["rev@example.org"]["pseudonym"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["review"]["articles_by_rule"] == {"accept": 1, "ground_truth": 0, "agreement": 0}
    assert list(manifest["review"]["articles_by_reviewer"].values()) == [1]
    assert manifest["review"]["self_accepts_ignored"] == 2
    everything = "".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file())
    for email, (_, name) in PEOPLE.items():  # pseudonyms only: no address, name or Label Studio id
        assert email not in everything and name not in everything
    assert "2 accept decisions that no reviewer made" in (folder / "README.md").read_text()


def test_overlap_share_gives_the_second_annotator_to_that_share_of_tasks(team, annotated, labelstudio):
    """Last: it changes the project's overlap."""
    ws, _, articles = team
    with_tasks = cli("push", "--overlap", "2", "--overlap-share", "50", str(articles), ws=ws)
    assert with_tasks.exit_code == 0, with_tasks.output
    project = labelstudio.client.projects.get(id=project_id(ws))
    assert (project.maximum_annotations, project.overlap_cohort_percentage) == (2, 50)
    overlaps = sorted(t.overlap for t in labelstudio.client.tasks.list(project=project_id(ws), include="id,overlap"))
    assert overlaps == [1, 2]  # two tasks, half of them with two annotators
    assert (ws.config().overlap, ws.config().overlap_share) == (2, 50)  # remembered for the next push
