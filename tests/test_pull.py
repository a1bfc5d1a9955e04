"""Pull and review state against a real Label Studio: several annotators, skip, edit, delete."""

from __future__ import annotations

import hashlib
import json
import threading
import time

import httpx
import polars as pl
import pytest
from label_studio_sdk import LabelStudio
from typer.testing import CliRunner

from curation.cli import app
from curation.pipeline import iter_tasks
from curation.server import connect, process
from curation.sync import snapshots
from curation.sync.project import ensure_project
from curation.sync.pull import pull, read_watermarks
from curation.sync.push import push_tasks
from curation.workspace import Workspace, WorkspaceConfig
from tests.conftest import ROOT
from tests.test_sync import RULES, fresh_project

pytestmark = pytest.mark.labelstudio
runner = CliRunner()


def labels_of(task) -> list[dict]:
    return [r for r in task.predictions[0].result if r.get("from_name") == "label"]


def review(decision: str) -> dict:
    return {"id": "rev", "from_name": "review", "to_name": "text", "type": "choices", "value": {"choices": [decision]}}


@pytest.fixture(scope="module")
def annotated(labelstudio):
    """Five example tasks; three annotators: accept, reject, skip, ground truth, overlap on task 0."""
    ws = fresh_project(labelstudio[0], "pull")
    client = connect(ws)
    project = ensure_project(client, ws, RULES)
    push_tasks(client, project.id, iter_tasks([ROOT / "examples" / "articles"], print))
    tasks = sorted(client.tasks.list(project=project.id, fields="all"), key=lambda t: t.id)
    users = [client.users.create(username=f"pull-ann{i}", email=f"pull-ann{i}@example.com") for i in range(3)]
    made = {
        "accepted": client.annotations.create(id=tasks[0].id, result=tasks[0].predictions[0].result + [review("accept")],
                                              completed_by=users[0].id, lead_time=30.0),
        "overlap": client.annotations.create(id=tasks[0].id, result=labels_of(tasks[0])[:2], completed_by=users[1].id,
                                             lead_time=12.0),
        "rejected": client.annotations.create(id=tasks[1].id, result=labels_of(tasks[1])[1:] + [review("reject")],
                                              completed_by=users[1].id),
    }
    time.sleep(1.2)  # tasks 0 and 1 now fall outside the one-second window an incremental pull re-reads
    made |= {
        "skipped": client.annotations.create(id=tasks[2].id, result=[], was_cancelled=True, completed_by=users[2].id),
        "ground_truth": client.annotations.create(id=tasks[3].id, result=labels_of(tasks[3]), ground_truth=True,
                                                  completed_by=users[2].id),
    }
    return ws, client, project.id, tasks, users, made


def live(ws) -> pl.DataFrame:
    return snapshots.live(ws, ws.config().project_id)


def test_pull_is_incremental_and_keeps_every_version(annotated):
    ws, client, project_id, tasks, users, made = annotated
    first = pull(client, ws, project_id)
    assert first.events == {"created": 5, "updated": 0, "deleted": 0} and first.offset_errors == []
    rows = live(ws)
    accepted = rows.filter(pl.col("annotation_id") == made["accepted"].id).row(0, named=True)
    assert accepted["regions_kept"] == len(labels_of(tasks[0])) and accepted["regions_deleted"] == 0
    assert accepted["lead_time"] == 30.0 and accepted["review"] == "accept" and accepted["completed_by"] == users[0].id
    rejected = rows.filter(pl.col("annotation_id") == made["rejected"].id).row(0, named=True)
    assert (rejected["regions_deleted"], rejected["regions_added"]) == (1, 0)
    assert rows.filter(pl.col("annotation_id") == made["skipped"].id)["was_cancelled"].item() is True
    copies = snapshots.read_tasks(ws, project_id)  # what export reads text, metadata and prediction provenance from
    assert sorted(copies["task_id"]) == [t.id for t in tasks[:4]]  # the annotated tasks, not the fifth
    for copy in copies.iter_rows(named=True):
        task = next(t for t in tasks if t.id == copy["task_id"])
        assert json.loads(copy["data"]) == task.data and copy["article_id"] == task.data["article_id"]
        assert copy["model_version"] == task.predictions[0].model_version
        assert json.loads(copy["prediction"]) == task.predictions[0].result

    files = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in snapshots.snapshot_dir(ws, project_id).iterdir()}
    quiet = pull(client, ws, project_id)
    assert quiet.tasks_fetched == 0 and sum(quiet.events.values()) == 0

    edited = labels_of(tasks[0])[:1]
    edited[0] = {**edited[0], "value": {**edited[0]["value"], "labels": ["SOURCE"] if edited[0]["value"]["labels"] != ["SOURCE"] else ["CLAIM"]}}
    time.sleep(1.5)  # older than the one-second window the filtered listing re-reads
    client.annotations.update(id=made["overlap"].id, result=edited)
    after_edit = pull(client, ws, project_id)  # totals still match: only recently updated tasks are listed
    assert after_edit.tasks_checked < len(tasks) and after_edit.tasks_fetched == 1
    assert after_edit.events == {"created": 0, "updated": 1, "deleted": 0}
    client.annotations.delete(id=made["ground_truth"].id)
    after_delete = pull(client, ws, project_id)
    assert after_delete.tasks_fetched == 1
    assert after_delete.events == {"created": 0, "updated": 0, "deleted": 1}
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == h for p, h in files.items())  # append-only
    history = snapshots.read_all(ws, project_id).filter(pl.col("annotation_id") == made["overlap"].id)
    assert history["event"].to_list() == ["created", "updated"]
    assert json.loads(history["result"][1])[0]["value"]["labels"] == edited[0]["value"]["labels"]
    assert live(ws).filter(pl.col("annotation_id") == made["overlap"].id)["regions_edited"].item() == 1
    # the deleted annotation's content is still in the snapshots
    gone = snapshots.read_all(ws, project_id).filter(pl.col("annotation_id") == made["ground_truth"].id)
    assert gone["event"].to_list() == ["created", "deleted"] and json.loads(gone["result"][0])


def test_status_counts_states_and_annotators(annotated, labelstudio, make_annotator):
    ws, client, project_id, tasks, users, made = annotated
    # an annotator working with their own token: submits task 3 (its ground truth was deleted), and is
    # in the middle of task 4 (Label Studio has saved a draft, nothing is submitted)
    account = make_annotator("status")
    own = LabelStudio(base_url=labelstudio.url, api_key=account.token.get_secret_value())
    me = own.users.whoami().id
    own.annotations.create(id=tasks[3].id, result=labels_of(tasks[3])[:1], lead_time=20.0)
    draft = httpx.post(f"{labelstudio.url}/api/tasks/{tasks[4].id}/drafts", json={"result": [], "lead_time": 4.0},
                       headers={"Authorization": f"Token {account.token.get_secret_value()}"})
    assert draft.status_code == 201, draft.status_code
    pull(client, ws, project_id)
    result = runner.invoke(app, ["status", "--live", "--json", "--workspace", str(ws.root)])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    # task 0 accepted; task 1 rejected; task 2 skipped; task 3 annotated; task 4 in progress
    assert info["tasks"] == {"new": 0, "in_progress": 1, "annotated": 1, "reviewed": 1, "rejected": 1, "skipped": 1}
    assert info["annotators"][f"user {users[2].id}"] == {"submitted": 0, "skipped": 1}  # not on the team roster
    assert info["annotators"][f"user {users[1].id}"]["submitted"] == 2
    assert info["annotators"][f"user {me}"] == {"submitted": 1, "skipped": 0}
    pulled = live(ws).filter(pl.col("task_id") == tasks[3].id).row(0, named=True)
    assert (pulled["completed_by"], pulled["lead_time"]) == (me, 20.0)


def test_a_region_whose_text_does_not_match_is_reported_with_task_and_region(annotated):
    ws, client, project_id, tasks, users, made = annotated
    bad = dict(labels_of(tasks[4])[0])
    bad = {**bad, "id": "badregion", "value": {**bad["value"], "text": "not what the text says"}}
    client.annotations.create(id=tasks[4].id, result=[bad], completed_by=users[0].id)
    result = runner.invoke(app, ["pull", "--workspace", str(ws.root)])
    assert result.exit_code == 1
    assert f"task {tasks[4].id}" in result.output and "region badregion" in result.output



def import_annotated(client: LabelStudio, ws: Workspace, n: int) -> int:
    """The workspace's project, made with `n` tasks each annotated once (`lead_time` = its number): one request."""
    project_id = ensure_project(client, ws, None).id
    me = client.users.whoami().id
    client.projects.import_tasks(id=project_id, request=[
        {"data": {"text": f"Story {i}: officials said {i} roads were closed.", "article_id": f"a{i}",
                  "content_hash": f"h{i}"},
         "annotations": [{"result": [], "completed_by": me, "lead_time": float(i)}]} for i in range(n)])
    return project_id


def test_a_pull_cut_off_by_a_server_restart_stores_nothing_and_the_re_run_gets_everything(label_studio_env, tmp_path):
    """A server of its own (this test stops it): 1,000 annotated tasks, the server stopped while a pull runs."""
    ws = Workspace(tmp_path)
    ws.save_config(WorkspaceConfig(port=process.free_port(), project_title="restart"))
    process.start(ws)
    try:
        client = connect(ws)
        project_id = import_annotated(client, ws, 1000)
        outcome = []
        command = ["pull", "--workspace", str(ws.root)]
        worker = threading.Thread(target=lambda: outcome.append(runner.invoke(app, command)))
        worker.start()
        time.sleep(1.0)  # the command is listing and fetching by now (1,000 tasks take several seconds)
        process.stop(ws)
        worker.join(120)
        (cut,) = outcome
        assert cut.exit_code == 1 and "stopped answering during the pull" in cut.output, cut.output
        assert "Traceback" not in cut.output and "Authorization" not in cut.output
        assert not snapshots.read_all(ws, project_id).height and not read_watermarks(ws, project_id)
        process.start(ws)  # same data, same port
        report = pull(connect(ws), ws, project_id)
        assert report.events == {"created": 1000, "updated": 0, "deleted": 0}
        rows = snapshots.read_all(ws, project_id)
        assert rows["annotation_id"].n_unique() == rows.height == 1000
        assert sorted(rows["lead_time"]) == [float(i) for i in range(1000)]
    finally:
        process.stop(ws)
