"""Every command against every fault: a server that is down, answers 500 or stops mid-request; damaged
snapshots, ledger, watermarks and config; bad dataset names; a full disk. Each must end in one `error:`
line (no traceback) and a non-zero exit, and leave nothing half-written.

The failing servers are real HTTP servers on 127.0.0.1: a server that answers 500 to everything, and a
proxy in front of the session's Label Studio that fails chosen requests (500, or the connection cut after
Label Studio did the work).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.server import client as server_client, connect, process
from curation.sync import ledger, snapshots
from curation.sync.pull import watermark_path
from curation.sync.push import list_project
from curation.workspace import Workspace, WorkspaceConfig
from tests.conftest import ROOT

pytestmark = pytest.mark.labelstudio
runner = CliRunner()
EXAMPLES = str(ROOT / "examples" / "articles")

Rule = Callable[[str, str], str | None]  # (method, path) -> None (forward), "500", or "cut" (forward, drop the answer)


class FailingServer:
    """An HTTP server on 127.0.0.1: a proxy to `upstream` applying `rule`, or (no upstream) a 500 to everything."""

    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = upstream
        self.rule: Rule = lambda method, path: None if upstream else "500"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def handle_one(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                verdict = outer.rule(self.command, self.path)
                if verdict == "500":
                    self.send_response(500)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "21")
                    self.end_headers()
                    self.wfile.write(b"<h1>Server Error</h1>")
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = httpx.request(self.command, outer.upstream + self.path, headers=headers, content=body,
                                       timeout=120)
                if verdict == "cut":  # the server did the work, then the connection died
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "content-encoding", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_one

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def healthy(labelstudio, tmp_path_factory) -> Iterator[Path]:
    """A workspace whose project has annotated, reviewed, pulled and exported work (dataset `d` 1.0.0); tests
    copy it and damage the copy."""
    root = tmp_path_factory.mktemp("healthy")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LABEL_STUDIO_URL", labelstudio.url)
        env.setenv("LABEL_STUDIO_API_KEY", labelstudio.api_key)
        ws = Workspace(root)
        ws.save_config(WorkspaceConfig(project_title="faults"))
        assert runner.invoke(app, ["push", EXAMPLES, "--workspace", str(root)]).exit_code == 0
        client = connect(ws)
        tasks = sorted(client.tasks.list(project=ws.config().project_id, fields="all"), key=lambda t: t.id)
        for task in tasks[:3]:
            client.annotations.create(id=task.id, result=task.predictions[0].result, ground_truth=True)
        assert runner.invoke(app, ["pull", "--workspace", str(root)]).exit_code == 0
        done = runner.invoke(app, ["export", "--name", "d", "--version", "1.0.0", "--workspace", str(root)])
        assert done.exit_code == 0, done.output
    yield root


@pytest.fixture
def ws(healthy, tmp_path, labelstudio, monkeypatch) -> Workspace:
    """A copy of the healthy workspace, the current one for every command, on the session's server."""
    shutil.copytree(healthy, tmp_path / "ws")
    monkeypatch.setenv("CURATION_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", labelstudio.api_key)
    monkeypatch.setattr(server_client, "FIRST_DELAY", 0.01)  # a server that is down: no need to back off here
    return Workspace(tmp_path / "ws")


def commands(ws: Workspace) -> dict[str, list[str]]:
    out = ws.root / "out"
    return {
        "push": ["push", EXAMPLES], "pull": ["pull"], "status": ["status"], "status --live": ["status", "--live"],
        "export": ["export", "--name", "d", "--version", "2.0.0"], "versions": ["versions", "d"],
        "diff": ["diff", "d", "1.0.0", "1.0.0"], "verify": ["verify", "d"], "agreement": ["agreement"],
        "disagreements": ["disagreements"], "report": ["report", "-o", str(out)], "adjudicate": ["adjudicate"],
        "evaluate --reviewed": ["evaluate", "--reviewed"], "tasks": ["tasks", EXAMPLES, "-o", str(out / "t.json")],
    }


SERVER = ("push", "pull", "status --live", "adjudicate")
SNAPSHOT_READERS = ("pull", "status", "status --live", "export", "agreement", "disagreements", "report", "adjudicate",
                    "evaluate --reviewed")
CONFIG_READERS = ("push", "pull", "status", "status --live", "export", "agreement", "disagreements", "report",
                  "adjudicate", "evaluate --reviewed")


def fails_cleanly(args: list[str], *expected: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code != 0, (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    assert "Traceback" not in result.output and "Authorization" not in result.output, (args, result.output)
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, (args, result.output)
    assert "a bug in curation" not in errors[0], (args, result.output)  # the last-resort line is not a clean failure
    for text in expected:
        assert text in errors[0], (args, result.output)
    return errors[0]


def test_server_down_or_answering_500_each_server_command_fails_in_one_line(ws, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{process.free_port()}")  # nothing listens there
    for name in SERVER:
        fails_cleanly(commands(ws)[name], "cannot reach Label Studio")
    broken = FailingServer()
    try:
        monkeypatch.setenv("LABEL_STUDIO_URL", broken.url)
        for name in SERVER:
            fails_cleanly(commands(ws)[name], "HTTP 500", broken.url)
    finally:
        broken.close()


def test_a_server_failing_mid_command_gets_one_line_and_the_push_resumes_on_re_run(ws, labelstudio, tmp_path,
                                                                                 monkeypatch):
    proxy = FailingServer(labelstudio.url)
    monkeypatch.setenv("LABEL_STUDIO_URL", proxy.url)
    try:
        source = tmp_path / "c.jsonl"
        source.write_text("".join(json.dumps({"id": f"f{i}", "text": f"Story {i}: {i} bridges were shut, police said."})
                                  + "\n" for i in range(60)))
        imports = []

        def on_third_import(verdict: str) -> Rule:
            def rule(method: str, path: str) -> str | None:
                if method == "POST" and path.endswith("/import?commit_to_project=true&return_task_ids=true"):
                    imports.append(path)
                    return verdict if len(imports) >= 3 else None
                return None
            return rule

        push = ["push", str(source), "--no-predictions", "--batch-size", "10"]
        before = len(list_project(connect(ws), ws.config().project_id).tasks)
        proxy.rule = on_third_import("500")
        fails_cleanly(push, "Label Studio answered HTTP 500 during the push", "run `curation push` again")
        imports.clear()
        proxy.rule = on_third_import("cut")  # the third batch is imported, its answer lost
        fails_cleanly(push, "Label Studio stopped answering during the push")
        proxy.rule = lambda method, path: "500" if "/api/tasks" in path else None
        fails_cleanly(["status", "--live"], "HTTP 500 during the status")
        fails_cleanly(["pull"], "HTTP 500 during the pull", "nothing from this pull was stored")
        proxy.rule = lambda method, path: None
        again = runner.invoke(app, push)
        assert again.exit_code == 0, again.output
        assert "imported 10 tasks, 50 already there" in again.output  # 20, then 20 and the cut batch (imported)
        held = list_project(connect(ws), ws.config().project_id)
        assert len(held.tasks) == before + 60 and not held.duplicates
    finally:
        proxy.close()


def test_a_damaged_snapshot_is_named_and_pull_full_sets_it_aside_and_rebuilds(ws):
    project_id = ws.config().project_id
    (damaged,) = snapshots.snapshot_dir(ws, project_id).glob("pull-*.parquet")
    damaged.write_bytes(damaged.read_bytes()[:200])  # truncated
    for name in SNAPSHOT_READERS:
        fails_cleanly(commands(ws)[name], str(damaged), "curation pull --full")
    rebuilt = runner.invoke(app, ["pull", "--full"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"set aside {damaged}.damaged" in rebuilt.output and "3 created" in rebuilt.output
    assert snapshots.live(ws, project_id).height == 3
    assert runner.invoke(app, ["status", "--json"]).exit_code == 0


def test_bad_watermarks_are_named_and_pull_full_rebuilds_them(ws):
    path = watermark_path(ws, ws.config().project_id)
    path.write_text('{"12": "not a date"')
    for name in ("pull", "status"):
        fails_cleanly(commands(ws)[name], str(path), "curation pull --full")
    assert runner.invoke(app, ["pull", "--full"]).exit_code == 0
    assert runner.invoke(app, ["status"]).exit_code == 0


def test_a_malformed_config_is_named_by_every_command_that_reads_it(ws):
    for damage in ('{"port": 80', b"\xff\xfe\x00", '{"port": "eighty"}', "[]"):
        ws.config_path.write_bytes(damage if isinstance(damage, bytes) else damage.encode())
        for name in CONFIG_READERS:
            fails_cleanly(commands(ws)[name], str(ws.config_path))


def test_an_invalid_ledger_is_a_cache_miss_the_push_lists_the_project_and_rewrites_it(ws):
    path = ledger.path_for(ws, ws.config().project_id)
    path.write_bytes(b"\x00\xff garbage\n[1, 2]\n{\"article_id\": 5}\n" * 3)
    result = runner.invoke(app, ["push", EXAMPLES])
    assert result.exit_code == 0 and "imported 0 tasks, 5 already there" in result.output, result.output
    assert ledger.read(path) == list_project(connect(ws), ws.config().project_id).tasks


@pytest.mark.parametrize("name", ["../../x", "/tmp/abs", "", "..", ".hidden", "a/b"])
def test_dataset_names_must_be_simple_and_stay_inside_the_root(ws, name):
    before = sorted(p for p in ws.root.parent.rglob("*"))
    fails_cleanly(["export", "--name", name, "--version", "1.0.1"], "not a simple name")
    fails_cleanly(["versions", name], "not a simple name")
    fails_cleanly(["diff", name, "1.0.0", "1.0.0"], "not a simple name")
    fails_cleanly(["verify", name], "not a simple name")
    assert sorted(p for p in ws.root.parent.rglob("*")) == before
    assert not Path("/tmp/abs").exists()


def test_a_symlinked_dataset_folder_pointing_outside_the_root_is_refused(ws, tmp_path):
    (ws.root / "datasets" / "out").symlink_to(tmp_path)
    fails_cleanly(["export", "--name", "out", "--version", "1.0.0"], "outside the datasets root")


@pytest.fixture
def tiny_disk(tmp_path) -> Iterator[Path]:
    """A 64 KiB tmpfs: a real full disk (needs root and mount, as in CI)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8); CI runs as root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_gives_one_line_and_leaves_no_partial_export(ws, tiny_disk):
    (tiny_disk / "filler").write_bytes(b"x" * 50_000)  # what is left is less than a version takes
    fails_cleanly(["export", "--name", "d", "--version", "1.0.0", "--root", str(tiny_disk)], "no space left")
    assert sorted(p.name for p in tiny_disk.rglob("*") if p.name != "d") == ["filler"]
    assert not list(tiny_disk.rglob(".partial-*"))
    fails_cleanly(["tasks", EXAMPLES, "-o", str(tiny_disk / "tasks.json")], "no space left")
    assert sorted(p.name for p in tiny_disk.iterdir()) in (["d", "filler"], ["filler"])


def test_commands_run_as_processes_print_no_traceback_under_a_fault(ws):
    """The same through the real entry point (not the test runner): a server answering 500, a damaged config."""
    broken = FailingServer()
    try:
        env = {**os.environ, "LABEL_STUDIO_URL": broken.url}
        done = subprocess.run([sys.executable, "-m", "curation", "pull"], env=env, capture_output=True, text=True)
    finally:
        broken.close()
    assert done.returncode == 1 and "Traceback" not in done.stderr and "HTTP 500" in done.stderr
    ws.config_path.write_text("{")
    done = subprocess.run([sys.executable, "-m", "curation", "status"], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr and str(ws.config_path) in done.stderr
