"""The integration path against Label Studio on a real PostgreSQL (`curation server start --postgres`):
push, several real users annotating at once with their own tokens, pull, export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from datasets import load_dataset
from label_studio_sdk import LabelStudio
from typer.testing import CliRunner

from curation.cli import app
from curation.server import credentials, postgres
from curation.server.locking import file_lock
from curation.server.users import Account, invite_user
from curation.sync import snapshots
from curation.workspace import Workspace
from tests.conftest import ROOT, LabelStudioServer

pytestmark = pytest.mark.postgres
runner = CliRunner()
REVIEW = {"id": "review", "from_name": "review", "to_name": "text", "type": "choices", "value": {"choices": ["accept"]}}
SETTINGS_PROBE = (
    "import os, sys, json, label_studio; sys.path.insert(0, os.path.dirname(label_studio.__file__)); "
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'label_studio.core.settings.label_studio'; import django; django.setup(); "
    "from django.conf import settings; from django.db import connection; from users.models import User; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps([db['ENGINE'], db['HOST'], db['PORT'], db['NAME'], connection.vendor, "
    "User.objects.filter(email=sys.argv[1]).exists()]))")


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_label_studio_keeps_its_data_in_the_workspaces_own_postgresql(postgres_labelstudio: LabelStudioServer) -> None:
    ws, state = postgres_labelstudio
    cluster = postgres.load(ws)
    assert cluster is not None and postgres.running(cluster)
    assert state.database == f"postgresql on 127.0.0.1:{cluster.port}"
    assert not (ws.labelstudio_dir / "label_studio.sqlite3").exists()

    environ = Path(f"/proc/{state.pid}/environ").read_bytes().decode().split("\0")
    env = dict(item.split("=", 1) for item in environ if "=" in item)
    python = Path(f"/proc/{state.pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    out = subprocess.run([python, "-c", SETTINGS_PROBE, credentials.ADMIN_EMAIL], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == ["django.db.backends.postgresql", "127.0.0.1", cluster.port,
                                                postgres.DATABASE, "postgresql", True]  # the admin lives there

    postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    secret = cluster.password.get_secret_value()
    for pid in (state.pid, postmaster):
        assert secret not in Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    for log in (ws.log_path, cluster.log_path):
        assert secret not in log.read_text()
    listening = [line.split()[1] for table in ("/proc/net/tcp", "/proc/net/tcp6")
                 for line in Path(table).read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].rsplit(":", 1)[1], 16) == cluster.port]
    assert listening == [f"0100007F:{cluster.port:04X}"]  # 127.0.0.1 only
    assert not list(cluster.data_dir.glob(".s.PGSQL*"))  # and no Unix socket

    code, out = cli("server", "status", "--json", "--workspace", str(ws.root))
    assert code == 0 and json.loads(out)["database"] == state.database


def test_push_real_users_annotating_at_once_pull_and_export(postgres_labelstudio: LabelStudioServer,
                                                           tmp_path: Path) -> None:
    ws, state = postgres_labelstudio
    code, out = cli("push", str(ROOT / "examples" / "articles"), "--workspace", str(ws.root))
    assert code == 0 and "imported 5 tasks, 0 already there" in out, out
    project_id = ws.config().project_id
    admin = postgres_labelstudio.client
    people = [invite_user(admin, state.url, f"pg-annotator-{i}@example.org") for i in range(3)]
    tasks = sorted(admin.tasks.list(project=project_id, fields="all"), key=lambda t: t.id)

    def annotate(person: Account) -> dict[int, int]:
        """Each person, with their own token, annotates every task: annotation id -> task id."""
        own = LabelStudio(base_url=state.url, api_key=person.token.get_secret_value())
        return {own.annotations.create(id=task.id, result=list(task.predictions[0].result)).id: task.id
                for task in tasks}

    with ThreadPoolExecutor(len(people)) as pool:
        made = list(pool.map(annotate, people))
    reviews = {admin.annotations.create(id=t.id, result=list(t.predictions[0].result) + [REVIEW]).id for t in tasks}
    ids = {u.email: u.id for u in admin.users.list()}

    for _ in range(2):  # the second pull finds nothing new and stores nothing twice
        code, out = cli("pull", "--workspace", str(ws.root))
        assert code == 0, out
    rows = snapshots.read_all(ws, project_id)
    created = rows.filter(rows["event"] == "created")
    assert created.height == rows.height == 3 * len(tasks) + len(tasks)
    assert sorted(created["annotation_id"].to_list()) == sorted([*reviews, *(a for m in made for a in m)])
    by_annotation = dict(zip(created["annotation_id"].to_list(), created["completed_by"].to_list()))
    for person, theirs in zip(people, made):
        assert {by_annotation[a] for a in theirs} == {ids[person.email]}  # attributed to the one who made it

    code, out = cli("export", "--name", "claims", "--version", "1.0.0", "--root", str(tmp_path),
                    "--workspace", str(ws.root))
    assert code == 0, out
    documents = load_dataset(str(tmp_path / "claims" / "1.0.0"), "documents")
    exported = [row for split in documents.values() for row in split]
    assert sorted(row["article_id"] for row in exported) == sorted(t.data["article_id"] for t in tasks)
    assert not any(p.email in json.dumps(row) for p in people for row in exported)


def test_prune_deletes_the_clusters_of_deleted_workspaces_and_keeps_the_rest(postgres_labelstudio: LabelStudioServer,
                                                                             tmp_path: Path) -> None:
    """As root the cluster lives outside the workspace, so deleting a workspace leaves it running and on disk."""
    if os.geteuid() != 0:
        pytest.skip("clusters live outside their workspace only when curation runs as root")
    gone = Workspace(tmp_path / "gone")
    orphan = postgres.create(gone)
    postgres.start(orphan, echo=lambda _: None)
    assert postgres.running(orphan)
    shutil.rmtree(gone.root)  # what a user does with a workspace they no longer want
    unowned = postgres.system_folder() / f"unowned-{os.getpid()}"
    unowned.mkdir()
    try:
        code, out = cli("server", "prune", "--dry-run")
        assert code == 0 and f"would delete {orphan.home} " in out, out
        assert postgres.running(orphan)  # a dry run touches nothing

        # two operators prune at once, while a third prune holds the lock: they queue, then one deletes the
        # orphan and the other no longer finds it
        with file_lock(postgres.system_folder() / postgres.PRUNE_LOCK):
            runs = [subprocess.Popen([sys.executable, "-m", "curation", "server", "prune", "--json"], cwd=tmp_path,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
            time.sleep(3)
            assert [run.poll() for run in runs] == [None, None] and postgres.running(orphan)  # waiting, not racing
        outs = [(run.wait(120), run.stdout.read()) for run in runs]
        assert all(code == 0 for code, _ in outs), outs
        reports = [{Path(item["path"]): item for item in json.loads(out)} for _, out in outs]
        deleted = [r[orphan.home] for r in reports if r.get(orphan.home, {}).get("removed")]
        assert len(deleted) == 1 and deleted[0]["reason"] == "its workspace is gone", outs
        found = next(r for r in reports if orphan.home in r)
        assert not orphan.home.exists() and not postgres.running(orphan)
        kept = postgres.load(postgres_labelstudio.workspace)
        assert kept is not None and not found[kept.home]["removed"] and postgres.running(kept)  # still in use
        assert not found[unowned]["removed"] and unowned.is_dir()  # no owner on record: never guessed
    finally:
        unowned.rmdir()
