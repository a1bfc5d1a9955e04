"""Operators at the same time, against the real Label Studio: pushes, pulls, one or two workspaces, locks.

Commands run as real processes (`python -m curation`) started together, each with a
workspace of its own or a shared one, talking to the session's server as a remote
server (LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.server import connect
from curation.server.locking import file_lock
from curation.sync import ledger, snapshots
from curation.sync.pull import pull
from curation.sync.push import list_project
from curation.workspace import Workspace, WorkspaceConfig
from tests.test_pull import import_annotated

pytestmark = pytest.mark.labelstudio
runner = CliRunner()


def corpus(path: Path, n: int, tag: str = "") -> Path:
    path.write_text("".join(json.dumps({"id": f"{tag}a{i}", "text": f"Story {i}: the mayor said {i} roads were closed."})
                            + "\n" for i in range(n)), encoding="utf-8")
    return path


def workspace(root: Path, title: str) -> Workspace:
    ws = Workspace(root)
    ws.save_config(WorkspaceConfig(project_title=title))
    return ws


@pytest.fixture
def remote(labelstudio, monkeypatch) -> dict[str, str]:
    """The session server as a remote server, for this process and the processes it starts."""
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", labelstudio.api_key)
    return {**os.environ}


def curation(env: dict[str, str], ws: Workspace, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "curation", *args, "--workspace", str(ws.root)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(*procs: subprocess.Popen) -> list[tuple[int, str]]:
    return [(p.wait(300), p.stdout.read() + p.stderr.read()) for p in procs]


def copies_per_article(ws: Workspace) -> Counter[str]:
    client = connect(ws)
    project_id = ws.config().project_id
    return Counter(task.meta["article_id"] for task in client.tasks.list(project=project_id, include="id,meta",
                                                                        page_size=1000))


def test_a_push_while_another_holds_the_workspace_says_who_and_waits_with_wait(remote, tmp_path):
    ws = workspace(tmp_path / "ws", "lock holder")
    source = corpus(tmp_path / "c.jsonl", 5)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
                               "from curation.server.locking import file_lock\n"
                               f"with file_lock(Path({str(ws.lock_path('push'))!r})):\n"
                               "    print('held', flush=True); time.sleep(4)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    refused = runner.invoke(app, ["push", str(source), "--no-predictions", "--workspace", str(ws.root)])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert f"another push in this workspace is running (pid {holder.pid}, since " in refused.output
    assert ws.config().project_id is None  # it stopped before touching the server
    started = time.monotonic()
    waited = runner.invoke(app, ["push", str(source), "--no-predictions", "--wait", "--workspace", str(ws.root)])
    assert waited.exit_code == 0, waited.output
    assert time.monotonic() - started > 1.0 and "imported 5 tasks" in waited.output
    holder.wait()


def test_two_pushes_of_one_corpus_in_one_workspace_at_once_import_each_article_once(remote, tmp_path):
    ws = workspace(tmp_path / "ws", "two pushes one workspace")
    source = corpus(tmp_path / "c.jsonl", 150)
    args = ("push", str(source), "--no-predictions", "--batch-size", "10", "--wait")
    results = finish(curation(remote, ws, *args), curation(remote, ws, *args))
    assert [code for code, _ in results] == [0, 0], results
    outputs = " ".join(out for _, out in results)
    assert "imported 150 tasks, 0 already there" in outputs and "imported 0 tasks, 150 already there" in outputs
    assert set(copies_per_article(ws).values()) == {1} and len(copies_per_article(ws)) == 150


def test_two_workspaces_pushing_into_one_project_at_once_never_duplicate(remote, tmp_path):
    first = workspace(tmp_path / "alice", "two workspaces one project")
    second = workspace(tmp_path / "bob", "two workspaces one project")
    source = corpus(tmp_path / "c.jsonl", 200)
    args = ("push", str(source), "--no-predictions", "--batch-size", "10")
    results = finish(curation(remote, first, *args), curation(remote, second, *args))
    assert [code for code, _ in results] == [0, 0], results
    assert first.config().project_id == second.config().project_id  # both made it at once: one was kept
    titled = [p for p in connect(first).projects.list() if p.title == "two workspaces one project"]
    assert [p.id for p in titled] == [first.config().project_id]
    counts = copies_per_article(first)
    assert len(counts) == 200 and set(counts.values()) == {1}, counts.most_common(3)
    for ws in (first, second):  # each ledger, once checked against the project, stands for it
        again = runner.invoke(app, ["push", str(source), "--no-predictions", "--workspace", str(ws.root)])
        assert again.exit_code == 0 and "imported 0 tasks, 200 already there" in again.output, again.output


def test_a_tampered_ledger_whose_count_still_matches_makes_no_duplicate(remote, tmp_path):
    ws = workspace(tmp_path / "ws", "tampered ledger")
    source = corpus(tmp_path / "c.jsonl", 60)
    push = ["push", str(source), "--no-predictions", "--workspace", str(ws.root)]
    assert runner.invoke(app, push).exit_code == 0
    path = ledger.path_for(ws, ws.config().project_id)
    lines = path.read_text().splitlines()
    tampered = [json.dumps({**json.loads(line), "content_hash": "0" * 64}) if i < 50 else line
                for i, line in enumerate(lines)]
    path.write_text("\n".join(tampered) + "\n")  # same line count as the project's task count
    again = runner.invoke(app, push)
    assert again.exit_code == 0, again.output
    assert "imported 0 tasks, 60 already there" in again.output
    assert len(copies_per_article(ws)) == 60 and set(copies_per_article(ws).values()) == {1}
    held = list_project(connect(ws), ws.config().project_id).tasks
    assert ledger.read(path) == held  # repaired from the project


def test_duplicates_already_in_the_project_are_reported_and_dedupe_keeps_the_annotated_task(remote, tmp_path):
    ws = workspace(tmp_path / "ws", "dedupe")
    source = corpus(tmp_path / "c.jsonl", 4)
    push = ["push", str(source), "--no-predictions", "--workspace", str(ws.root)]
    assert runner.invoke(app, push).exit_code == 0
    client = connect(ws)
    project_id = ws.config().project_id
    originals = sorted(client.tasks.list(project=project_id, fields="all"), key=lambda t: t.id)
    a0, a1 = (t.meta["article_id"] for t in originals[:2])
    # an older curation (or a push killed between its import and its check) left copies of two articles
    client.projects.import_tasks(id=project_id, request=[{"data": t.data, "meta": t.meta} for t in originals[:2]])
    extra = {t.meta["article_id"]: t.id for t in client.tasks.list(project=project_id, include="id,meta")
             if t.id not in {o.id for o in originals}}
    client.annotations.create(id=extra[a1], result=[], lead_time=3.0)  # the newer copy of a1 got annotated
    found = runner.invoke(app, [*push, "--full"])
    assert found.exit_code == 1, found.output
    assert f"{a0}: 2 tasks of one text: {originals[0].id} kept, {extra[a0]} duplicate" in found.output
    assert f"{a1}: 2 tasks of one text: {extra[a1]} kept, {originals[1].id} duplicate" in found.output
    fixed = runner.invoke(app, [*push, "--dedupe"])
    assert fixed.exit_code == 0, fixed.output
    assert "removed 2 duplicate tasks" in fixed.output
    left = sorted(t.id for t in client.tasks.list(project=project_id, include="id"))
    assert left == sorted([originals[0].id, extra[a1], originals[2].id, originals[3].id])
    assert runner.invoke(app, push).exit_code == 0


def annotated(root: Path, n: int) -> Workspace:
    """A project of `n` tasks, each with one annotation (imported in one request)."""
    ws = workspace(root, f"pulls {root.name} {n}")
    import_annotated(connect(ws), ws, n)
    return ws


def versions_stored(ws: Workspace) -> Counter[tuple[int, str]]:
    rows = snapshots.read_all(ws, ws.config().project_id)
    return Counter(rows.filter(pl.col("event") != "deleted").select("annotation_id", "updated_at").iter_rows())


def test_two_pulls_at_once_store_every_annotation_version_once(remote, tmp_path):
    ws = annotated(tmp_path / "ws", 300)
    results = finish(curation(remote, ws, "pull", "--wait"), curation(remote, ws, "pull", "--wait"))
    assert [code for code, _ in results] == [0, 0], results
    stored = versions_stored(ws)
    assert len(stored) == 300 and set(stored.values()) == {1}
    # the library without the command's lock: two pulls in threads; the snapshot write drops what is stored
    client = connect(ws)
    project_id = ws.config().project_id
    for task in list(client.tasks.list(project=project_id, include="id", page_size=1000))[:20]:
        client.annotations.create(id=task.id, result=[], lead_time=2.0)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(pull(connect(ws), ws, project_id, full=True)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(reports) == 2
    stored = versions_stored(ws)
    assert len(stored) == 320 and set(stored.values()) == {1}


def test_a_killed_pull_stores_nothing_partial_and_the_re_run_stores_each_version_once(remote, tmp_path):
    ws = annotated(tmp_path / "ws", 1000)
    for delay in (0.8, 1.6, 2.4):
        proc = curation(remote, ws, "pull")
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        for path in snapshots.snapshot_dir(ws, ws.config().project_id).glob("*.parquet"):
            pl.read_parquet(path)  # every file there is whole
    assert finish(curation(remote, ws, "pull"))[0][0] == 0
    stored = versions_stored(ws)
    assert len(stored) == 1000 and set(stored.values()) == {1}


def test_export_and_pull_take_their_own_locks(remote, tmp_path):
    ws = annotated(tmp_path / "ws", 3)
    with file_lock(ws.lock_path("export")):
        pulled = runner.invoke(app, ["pull", "--workspace", str(ws.root)])
        assert pulled.exit_code == 0, pulled.output  # a pull may run while an export reads the snapshots
        refused = runner.invoke(app, ["export", "--name", "d", "--version", "1.0.0", "--workspace", str(ws.root)])
        assert refused.exit_code == 1 and f"another export in this workspace is running (pid {os.getpid()}" in refused.output
    with file_lock(ws.lock_path("pull")):
        refused = runner.invoke(app, ["pull", "--workspace", str(ws.root)])
        assert refused.exit_code == 1 and "another pull in this workspace is running" in refused.output
