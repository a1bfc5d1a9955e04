"""Against a real Label Studio server: lifecycle, connection errors, idempotent and crash-safe push."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.pipeline import iter_tasks
from curation.preannotate import get_preannotator
from curation.server import ConnectionProblem, connect, credentials, process
from curation.sync import ledger
from curation.sync.project import ConfigDrift, ensure_project
from curation.sync.push import project_tasks, push_tasks
from curation.workspace import Workspace
from tests.conftest import ROOT

pytestmark = pytest.mark.labelstudio
runner = CliRunner()
EXAMPLES = ROOT / "examples" / "articles"
RULES = get_preannotator("rules").model_version


def fresh_project(ws: Workspace, title: str) -> Workspace:
    """The session server, with a workspace config pointing at a project of its own."""
    config = ws.config().model_copy(update={"project_title": title, "project_id": None})
    ws.save_config(config)
    return ws


def test_server_runs_with_owner_only_credentials_and_a_second_start_is_a_no_op(labelstudio):
    ws, state = labelstudio
    assert state.running and state.url.startswith("http://127.0.0.1:")
    assert stat.S_IMODE(ws.credentials_path.stat().st_mode) == 0o600
    again, created = process.start(ws)
    assert (again.pid, created) == (state.pid, False)
    result = runner.invoke(app, ["server", "status", "--json", "--workspace", str(ws.root)])
    info = json.loads(result.output)
    assert info["running"] is True and info["pid"] == state.pid and info["version"] == state.version


def test_connect_accepts_the_token_and_a_wrong_one_fails_without_echoing_it(labelstudio, monkeypatch):
    ws, state = labelstudio
    assert connect(ws).users.whoami().email == credentials.load(ws).username
    wrong = "0123456789abcdef0123456789abcdef01234567"
    monkeypatch.setenv("LABEL_STUDIO_URL", state.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", wrong)
    with pytest.raises(ConnectionProblem, match="rejected the API key") as err:
        connect(ws)
    assert wrong not in str(err.value) and wrong not in repr(err.value)


def test_a_server_that_is_down_gives_a_clear_error_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "secret-token-value")
    with pytest.raises(ConnectionProblem, match="127.0.0.1:9 .nothing listens there") as err:
        connect(Workspace(tmp_path))
    assert "secret-token-value" not in str(err.value)


def test_push_is_idempotent_and_predictions_are_visible(labelstudio):
    ws = fresh_project(labelstudio[0], "push idempotent")
    client = connect(ws)
    project = ensure_project(client, ws, RULES)
    first = push_tasks(client, project.id, iter_tasks([EXAMPLES], print), batch_size=2)
    again = push_tasks(client, project.id, iter_tasks([EXAMPLES], print), batch_size=2)
    assert (first.imported, again.imported, again.unchanged) == (5, 0, 5)
    settings = client.projects.get(id=project.id)
    assert settings.show_collab_predictions and settings.model_version == RULES
    assert "CLAIM" in settings.expert_instruction
    tasks = list(client.tasks.list(project=project.id, fields="all"))
    assert len(tasks) == 5
    for task in tasks:
        (prediction,) = task.predictions
        assert prediction.model_version == RULES
        for region in prediction.result:
            if "value" in region and "start" in region["value"]:
                assert task.data["text"][region["value"]["start"]:region["value"]["end"]] == region["value"]["text"]


def test_a_changed_article_becomes_a_new_task_and_the_old_one_is_reported(labelstudio, tmp_path):
    ws = fresh_project(labelstudio[0], "push changed")
    client = connect(ws)
    project = ensure_project(client, ws, None)
    source = tmp_path / "wire.jsonl"
    source.write_text(json.dumps({"id": "w1", "text": "The council approved the budget, officials said."}) + "\n")
    push_tasks(client, project.id, iter_tasks([source], print, preannotator=None))
    source.write_text(json.dumps({"id": "w1", "text": "The council rejected the budget, officials said."}) + "\n")
    report = push_tasks(client, project.id, iter_tasks([source], print, preannotator=None))
    held = project_tasks(client, project.id)
    assert report.imported == 1 and len(held) == 2
    ((article_id, old_task),) = report.superseded
    assert held[min(held, key=lambda k: held[k])] == old_task and {k[0] for k in held} == {article_id}


def test_re_push_trusts_the_ledger_until_the_project_changes(labelstudio):
    ws = fresh_project(labelstudio[0], "push ledger")
    client = connect(ws)
    project = ensure_project(client, ws, None)
    path = ledger.path_for(ws, project.id)
    tasks = list(iter_tasks([EXAMPLES], print, preannotator=None))
    first = push_tasks(client, project.id, tasks, batch_size=2, ledger_path=path)
    assert first.listed and first.imported == 5  # no ledger yet: the project is listed
    assert ledger.read(path) == project_tasks(client, project.id)  # the ids Label Studio gave each article
    again = push_tasks(client, project.id, tasks, ledger_path=path)
    assert (again.listed, again.imported, again.unchanged) == (False, 0, 5)
    key, victim = sorted(ledger.read(path).items())[0]
    client.tasks.delete(id=victim)  # someone deletes a task in Label Studio: the counts no longer agree
    repaired = push_tasks(client, project.id, tasks, ledger_path=path)
    assert (repaired.listed, repaired.imported, repaired.unchanged) == (True, 1, 4)
    held = project_tasks(client, project.id)
    assert ledger.read(path) == held and len(held) == 5 and held[key] != victim
    with path.open("a") as f:
        f.write('{"article_id": "torn')  # a push killed mid-line
    assert ledger.read(path) == held


def test_predictions_only_adds_a_new_model_version_once_and_keeps_annotations(labelstudio):
    ws = fresh_project(labelstudio[0], "predictions only")
    push = ["push", str(EXAMPLES), "--workspace", str(ws.root)]
    assert runner.invoke(app, [*push, "--no-predictions"]).exit_code == 0
    client = connect(ws)
    project_id = ws.config().project_id
    tasks = list(client.tasks.list(project=project_id, fields="all"))
    assert all(not t.predictions for t in tasks)
    annotation = client.annotations.create(id=tasks[0].id, result=[])
    result = runner.invoke(app, [*push, "--predictions-only"])
    assert result.exit_code == 0, result.output
    assert f"added 5 {RULES} predictions, 0 tasks already had one" in result.output
    refreshed = {t.id: t for t in client.tasks.list(project=project_id, fields="all")}
    assert set(refreshed) == {t.id for t in tasks}  # no task imported
    for task in refreshed.values():
        (prediction,) = task.predictions
        assert prediction.model_version == RULES and prediction.result
        for region in prediction.result:
            if "start" in region.get("value", {}):
                assert task.data["text"][region["value"]["start"]:region["value"]["end"]] == region["value"]["text"]
    assert [a.id for a in client.annotations.list(id=tasks[0].id)] == [annotation.id]
    assert client.projects.get(id=project_id).model_version == RULES  # annotators see the new version
    again = runner.invoke(app, [*push, "--predictions-only"])
    assert "added 0" in again.output and "5 tasks already had one" in again.output


def test_a_killed_push_re_run_leaves_exactly_one_task_per_article(labelstudio, tmp_path):
    ws = fresh_project(labelstudio[0], "push killed")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"a{i}", "text": f"Story {i}: the mayor said {i} roads were closed."}) + "\n"
                              for i in range(60)))
    env = {**os.environ, "CURATION_WORKSPACE": str(ws.root)}
    cmd = [sys.executable, "-m", "curation", "push", str(corpus), "--batch-size", "1", "--no-predictions"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    client = connect(ws)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        project_id = ws.config().project_id
        if project_id and len(project_tasks(client, project_id)) >= 3:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(project_tasks(client, ws.config().project_id))
    assert 3 <= partial < 60
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    held = project_tasks(client, ws.config().project_id)
    assert len(held) == 60 and len({aid for aid, _ in held}) == 60
    assert f"imported {60 - partial} tasks, {partial} already there" in result.stdout


def test_a_drifted_labeling_config_is_refused_with_a_diff_unless_forced(labelstudio):
    ws = fresh_project(labelstudio[0], "drift")
    client = connect(ws)
    project = ensure_project(client, ws, None)
    drifted = client.projects.get(id=project.id).label_config.replace('<Choice value="unsure" />', "")
    client.projects.update(id=project.id, label_config=drifted)
    with pytest.raises(ConfigDrift, match=r'\+<Choice value="unsure" />'):
        ensure_project(client, ws, None)
    ensure_project(client, ws, None, force=True)
    assert 'value="unsure"' in client.projects.get(id=project.id).label_config


def test_cli_push_prints_the_project_url(labelstudio):
    ws = fresh_project(labelstudio[0], "cli push")
    result = runner.invoke(app, ["push", str(EXAMPLES), "--workspace", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert f"imported 5 tasks, 0 already there; project: {labelstudio[1].url}/projects/{ws.config().project_id}" in result.output
