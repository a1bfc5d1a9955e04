"""Secrets at rest: nothing under `.curation/` of a real started server is readable by another local user.

Before: Label Studio's SQLite database (which holds the admin's API token) was 0644 in 0755 folders.
The checks run as `nobody` with every capability dropped (setpriv), on workspaces in folders other users
may traverse, so that a refusal comes from `.curation/`'s own modes and nothing else.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Callable

import subprocess

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.private import make_private
from curation.server import postgres
from curation.workspace import Workspace, WorkspaceConfig
from tests.conftest import ROOT, LabelStudioServer

runner = CliRunner()
NOBODY = 65534
PROBE = """
import os, sys
for entry in sys.stdin.read().split("\\0"):
    if not entry:
        continue
    kind, path = entry[0], entry[2:]
    try:
        if kind == "d":
            os.listdir(path)
        else:
            with open(path, "rb") as handle:
                handle.read(1)
    except OSError:
        continue
    print(path)
"""


def readable_by_nobody(paths: list[Path]) -> list[str]:
    """Those of `paths` that user nobody, without capabilities, can list (folders) or read (files)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("acting as another local user needs root and setpriv (util-linux)")
    python = os.path.realpath(sys.executable)  # the system interpreter, not the venv (which may sit in a 0700 home)
    request = "\0".join(f"{'d' if p.is_dir() else 'f'}:{p}" for p in paths)
    done = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--inh-caps=-all",
                           "--bounding-set=-all", "--", python, "-I", "-S", "-c", PROBE],
                          input=request, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def everything_under(root: Path) -> list[Path]:
    return [root, *sorted(root.rglob("*"))]


def check_private(ws: Workspace, extra: list[Path] = ()) -> None:
    """.curation/ is 0700 and, with the whole tree under it, out of nobody's reach; the probe itself works."""
    control = ws.root / "control.txt"
    control.write_text("anyone may read this")
    control.chmod(0o644)
    tree = everything_under(ws.dir) + list(extra)
    assert len(tree) > 5
    assert stat.S_IMODE(ws.dir.stat().st_mode) == 0o700
    assert readable_by_nobody([control, *tree]) == [str(control)]


def test_a_running_sqlite_server_keeps_its_database_token_and_secrets_from_other_users(
        labelstudio: LabelStudioServer) -> None:
    ws = labelstudio.workspace
    token = labelstudio.api_key.encode()
    assert any(token in path.read_bytes() for path in ws.labelstudio_dir.glob("label_studio.sqlite3*"))
    for path in everything_under(ws.labelstudio_dir):  # whatever Label Studio made: media, .env, the database
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    for path in (ws.credentials_path, ws.log_path, ws.pid_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    check_private(ws)


def test_a_postgresql_server_made_under_umask_000_is_as_private(postgres_labelstudio: LabelStudioServer) -> None:
    ws = postgres_labelstudio.workspace
    cluster = postgres.load(ws)
    assert cluster is not None
    assert stat.S_IMODE(postgres.settings_path(ws).stat().st_mode) == 0o600
    for path in everything_under(ws.labelstudio_dir):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    outside = [] if cluster.home.is_relative_to(ws.dir) else everything_under(cluster.home)  # root: postgres' home
    check_private(ws, outside)


def test_what_curation_itself_writes_under_umask_000_is_private(labelstudio: LabelStudioServer,
                                                                open_folders: Callable[[str], Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Config, push ledger, snapshots, pull state, export salt: written by other parts of curation, with
    whatever modes they choose; the owner-only .curation/ around them is what keeps them private."""
    ws = Workspace(open_folders("curation-tests-umask-"))
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", labelstudio.api_key)
    umask = os.umask(0)
    try:
        ws.save_config(WorkspaceConfig(project_title="umask 000"))
        for args in (["push", str(ROOT / "examples" / "articles")], ["pull"]):
            result = runner.invoke(app, [*args, "--workspace", str(ws.root)])
            assert result.exit_code == 0, result.output
            if args[0] == "push":  # something for the pull to store
                task = next(iter(labelstudio.client.tasks.list(project=ws.config().project_id)))
                labelstudio.client.annotations.create(id=task.id, result=[])
    finally:
        os.umask(umask)
    assert list(ws.dir.glob("pushed-*.jsonl")) and list(ws.dir.glob("snapshots/*/*.parquet"))
    check_private(ws)


def test_an_older_workspace_is_narrowed_on_first_use(tmp_path: Path) -> None:
    old = tmp_path / ".curation"
    (old / "labelstudio" / "media").mkdir(parents=True)
    database = old / "labelstudio" / "label_studio.sqlite3"
    database.write_bytes(b"token")
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not ours to change")
    (old / "labelstudio" / "link").symlink_to(outside)
    for path, mode in ((old, 0o755), (old / "labelstudio", 0o755), (old / "labelstudio" / "media", 0o775),
                       (database, 0o644), (outside, 0o644)):
        path.chmod(mode)
    assert stat.S_IMODE(Workspace(tmp_path).dir.stat().st_mode) == 0o700
    make_private(old / "labelstudio")
    assert [stat.S_IMODE(p.stat().st_mode) for p in (old / "labelstudio", old / "labelstudio" / "media", database)] \
        == [0o700, 0o700, 0o600]
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644  # a link is not followed out of the tree
