"""`curation publish` and the card. No Hub is reachable from here, so:

- the failure paths run the real command, with the real huggingface_hub, against a local HTTP server on
  127.0.0.1 as HF_ENDPOINT that answers as the Hub does when it refuses (401, 404, 429, 500, a card rejected
  with 400), or against a closed port (no network): each must be one line, exit 1, and leave the version intact;
- the upload itself is checked at the HfApi boundary with a recording stand-in (one commit, then the tag;
  nothing sent again when the tag is there with the same content).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from huggingface_hub import DatasetCard, constants
from typer.testing import CliRunner

from curation.cli import app
from curation.export import verify
from curation.export.card import render
from curation.export.hub import PublishError, publish
from curation.export.write import sha256
from tests.conftest import ROOT
from tests.export_fixtures import small_version


class FakeHubHandler(BaseHTTPRequestHandler):
    """Answers `status` to every request but whoami (200 unless status is 401) and the card check (200 unless
    status is 400), the way the Hub words its errors."""

    status = 200
    seen: list[str] = []
    bodies: list[bytes] = []
    routes: dict[tuple[str, str], tuple[int, dict]] = {}  # (method, path) -> answer, before `status` applies

    def handle_one(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("content-length") or 0)
        self.bodies.append(self.rfile.read(length) if length else b"")
        status = self.status
        if (self.command, self.path.split("?")[0]) in self.routes:
            status, body = self.routes[self.command, self.path.split("?")[0]]
        elif self.path.startswith("/api/whoami") and status != 401:
            status, body = 200, {"name": "someone", "type": "user", "auth": {"accessToken": {"role": "write"}}}
        elif self.path.startswith("/api/validate-yaml") and status != 400:
            status, body = 200, {}
        else:
            body = {"error": {400: "Invalid metadata in README.md.\n- \"license\" must be one of [...]",
                              401: "Invalid credentials in Authorization header", 404: "Repository not found",
                              429: "You have exceeded our hourly quotas", 500: "Internal Error"}.get(status, "error")}
        data = (body["error"] if status == 400 else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain" if status == 400 else "application/json")
        self.send_header("content-length", str(len(data)))
        if status in (401, 403, 404, 429, 500) and "error" in body:
            self.send_header("x-error-message", body["error"])
        if status == 429:
            self.send_header("retry-after", "0")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_HEAD = handle_one

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def hub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHubHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def version(tmp_path_factory):
    root = tmp_path_factory.mktemp("publish")
    done = small_version(root)
    return root, done


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_publish(root: Path, endpoint: str, token: str | None, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=endpoint, HF_HOME=str(root / "hf-home"), HF_HUB_DISABLE_TELEMETRY="1")
    if token is not None:
        env["HF_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "curation", "publish", "small@1.0.0", "--repo", "org/small",
                           "--root", str(root / "datasets"), *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


FAILURES = [
    (None, None, "error: no Hugging Face token: set HF_TOKEN or run `hf auth login`"),
    (401, "hf_bad", "error: the Hub refused the token (401 Unauthorized)"),
    (400, "hf_ok", "error: the Hub rejects the card: Invalid metadata in README.md."),
    (404, "hf_ok", "error: dataset repo org/small not found (404) and could not be created"),
    (429, "hf_ok", "error: the Hub is rate-limiting these requests (429 Too Many Requests)"),
    (500, "hf_ok", "error: the Hub answered 500"),
    ("offline", "hf_ok", "error: cannot reach the Hub: ConnectError"),
]


def intact(done) -> dict:
    return {p: sha256(p) for p in done.path.rglob("*") if p.is_file()}


@pytest.mark.parametrize("status, token, message", FAILURES)
def test_every_failure_is_one_line_exit_1_and_the_version_stays_intact(hub, version, monkeypatch, tmp_path,
                                                                       status, token, message):
    """In this process (the command's own code, huggingface_hub's own requests) with the endpoint and the token
    file pointed here; the last test runs one case as a separate process."""
    root, done = version
    before = intact(done)
    FakeHubHandler.status = status if isinstance(status, int) else 200
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{closed_port()}" if status == "offline" else hub)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    if token is None:
        monkeypatch.delenv("HF_TOKEN", raising=False)
    else:
        monkeypatch.setenv("HF_TOKEN", token)
    result = CliRunner().invoke(app, ["publish", "small@1.0.0", "--repo", "org/small", "--root", str(root / "datasets")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert token is None or token not in result.stderr
    assert intact(done) == before and verify(done.path) == []


def test_as_a_process_no_network_is_one_line_and_no_traceback(version):
    root, done = version
    before = intact(done)
    result = run_publish(root, f"http://127.0.0.1:{closed_port()}", "hf_secret_token")
    assert result.returncode == 1 and "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.strip().startswith("error: cannot reach the Hub") and len(result.stderr.strip().splitlines()) == 1
    assert "hf_secret_token" not in result.stderr and intact(done) == before


def test_dry_run_lists_the_files_and_sends_nothing(hub, version):
    root, done = version
    FakeHubHandler.seen.clear()
    result = CliRunner().invoke(app, ["publish", "small@1.0.0", "--repo", "org/small", "--dry-run",
                                      "--root", str(root / "datasets")])
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(done.path).as_posix() for p in done.path.rglob("*") if p.is_file())
    listed = [line.split()[-1] for line in result.stdout.splitlines()[:-1]]
    assert listed == files and "in one commit, tagged v1.0.0" in result.stdout.splitlines()[-1]
    assert FakeHubHandler.seen == []


def test_a_damaged_version_is_not_published(version, tmp_path):
    root, done = version
    import shutil

    copy = tmp_path / "small" / "1.0.0"
    shutil.copytree(done.path, copy)
    (copy / "tokens" / "train-00000-of-00001.parquet").write_bytes(b"not parquet")
    with pytest.raises(PublishError, match="is not intact, not publishing: tokens/train-00000-of-00001.parquet: sha256 differs"):
        publish(copy, "org/small", api=object())


class RecordingHub:
    """The one stand-in of these tests: huggingface_hub.HfApi at the upload boundary (the Hub cannot be reached
    from here). It keeps the repo's files and tags as the Hub would, so a second publish sees the first."""

    def __init__(self, cache: Path, private: bool | None = False):
        self.calls, self.files, self.tags, self.cache = [], {}, {}, cache
        self.private = private  # None: no such repo yet

    def whoami(self):
        self.calls.append("whoami")
        return {"name": "someone"}

    def repo_info(self, repo_id, repo_type):
        from huggingface_hub.errors import RepositoryNotFoundError

        self.calls.append("repo_info")
        if self.private is None:
            import httpx

            answer = httpx.Response(404, request=httpx.Request("GET", "https://huggingface.co/api/datasets/org/small"))
            raise RepositoryNotFoundError("404 Repository not found", response=answer)
        return type("DatasetInfo", (), {"private": self.private})()

    def create_repo(self, repo_id, repo_type, private, exist_ok):
        self.calls.append(f"create_repo private={private}")
        self.private = private

    def update_repo_settings(self, repo_id, private, repo_type):
        self.calls.append(f"update_repo_settings private={private}")
        self.private = private

    def list_repo_refs(self, repo_id, repo_type):
        self.calls.append("list_repo_refs")
        tag = type("Ref", (), {})
        return type("Refs", (), {"tags": [type("Ref", (), {"name": name}) for name in self.tags]})

    def hf_hub_download(self, repo_id, filename, repo_type, revision):
        self.calls.append("hf_hub_download")
        path = self.cache / revision / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.tags[revision][filename])
        return str(path)

    def list_repo_files(self, repo_id, repo_type):
        return list(self.files)

    def create_commit(self, repo_id, operations, repo_type, commit_message):
        self.calls.append("create_commit")
        for op in operations:
            if hasattr(op, "path_or_fileobj"):
                source = op.path_or_fileobj
                self.files[op.path_in_repo] = source if isinstance(source, bytes) else Path(source).read_bytes()
            else:
                self.files.pop(op.path_in_repo, None)
        return type("Commit", (), {"oid": f"commit{len(self.calls)}"})()

    def create_tag(self, repo_id, tag, revision, repo_type, tag_message):
        self.calls.append(f"create_tag {tag} {revision}")
        self.tags[tag] = dict(self.files)


@pytest.fixture
def card_check(hub, monkeypatch):
    """The card check goes to the local server (answering 200), through huggingface_hub's own validate()."""
    FakeHubHandler.status = 200
    monkeypatch.setattr(constants, "ENDPOINT", hub)


def test_publish_makes_one_commit_then_the_tag_and_is_idempotent(version, tmp_path, card_check):
    root, done = version
    api = RecordingHub(tmp_path)
    first = publish(done.path, "org/small", api=api)
    assert first.status == "uploaded" and first.tag == "v1.0.0"
    assert [c.split()[0] for c in api.calls] == ["whoami", "repo_info", "list_repo_refs", "create_commit", "create_tag"]
    assert api.calls[-1] == f"create_tag v1.0.0 commit4"  # the tag names the commit just made
    assert api.private is False  # no --private: the repo's visibility is left as it was
    local = {p.relative_to(done.path).as_posix(): p.read_bytes() for p in done.path.rglob("*") if p.is_file()}
    assert set(api.files) == set(local)
    assert all(api.files[p] == local[p] for p in local if p != "README.md")  # the version's own bytes
    card = api.files["README.md"].decode()
    assert 'load_dataset("org/small", "tokens", revision="v1.0.0")' in card and "path/to/" not in card
    api.calls.clear()
    again = publish(done.path, "org/small", api=api)
    assert again.status == "already published" and "create_commit" not in api.calls


def test_a_tag_with_other_content_is_refused(version, tmp_path, card_check):
    root, done = version
    api = RecordingHub(tmp_path)
    api.tags["v1.0.0"] = {"manifest.json": json.dumps({"content_id": "something else"}).encode()}
    with pytest.raises(PublishError, match="already has a tag v1.0.0 with other content"):
        publish(done.path, "org/small", api=api)
    assert "create_commit" not in api.calls


def test_the_card_is_huggingface_hub_card_data_with_every_metadata_field_and_says_simulated(tmp_path):
    done = small_version(tmp_path, "sim", simulated=True, hub_repo="org/sim")
    card = DatasetCard((done.path / "README.md").read_text(encoding="utf-8"))
    data = card.data.to_dict()
    assert data["annotations_creators"] == ["machine-generated"] and data["size_categories"] == ["n<1K"]
    for key in ("task_categories", "task_ids", "language_creators", "source_datasets", "multilinguality",
                "pretty_name", "license", "configs", "dataset_info"):
        assert data[key], key
    assert "simulated annotators, not by people" in card.text
    assert 'load_dataset("org/sim", "claims", revision="v1.0.0")' in card.text
    assert "a reviewer chose *accept*" in card.text and "{'accept_decision'" not in card.text
    features = {c["config_name"]: c["features"] for c in data["dataset_info"]}
    worth = next(f for f in features["claims"] if f["name"] == "check_worthiness")
    assert worth["dtype"]["class_label"]["names"] == {"0": "none", "1": "check_worthy", "2": "not_check_worthy",
                                                      "3": "unsure"}
    people = render({**done.manifest, "annotations_creators": "expert-generated"})
    assert "simulated" not in DatasetCard(people).text.split("## Limitations")[0]


@pytest.mark.parametrize("before, private, calls, after", [
    (False, True, ["update_repo_settings private=True"], True),  # an existing public repo is made private
    (True, True, [], True),  # already private: nothing to change
    (None, True, ["create_repo private=True"], True),  # a new repo is created private
    (True, False, [], True),  # no --private never makes a private repo public
])
def test_private_applies_to_an_existing_repo_before_anything_is_sent(version, tmp_path, card_check,
                                                                    before, private, calls, after):
    root, done = version
    api = RecordingHub(tmp_path, private=before)
    assert publish(done.path, "org/small", private=private, api=api).status == "uploaded"
    changes = [c for c in api.calls if c.startswith(("update_repo_settings", "create_repo"))]
    assert changes == calls and api.private is after
    if calls:
        assert api.calls.index(calls[0]) < api.calls.index("create_commit")


@pytest.fixture
def hf_here(hub, monkeypatch, tmp_path):
    """The real huggingface_hub, in this process, talking to the local server with a token."""
    FakeHubHandler.status, FakeHubHandler.routes = 200, {}
    FakeHubHandler.seen.clear(), FakeHubHandler.bodies.clear()
    monkeypatch.setattr(constants, "ENDPOINT", hub)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setenv("HF_TOKEN", "hf_ok")
    yield
    FakeHubHandler.routes = {}


PUBLIC_REPO = {("GET", "/api/datasets/org/small"): (200, {"id": "org/small", "private": False})}


def publish_private(root: Path):
    return CliRunner().invoke(app, ["publish", "small@1.0.0", "--repo", "org/small", "--private",
                                    "--root", str(root / "datasets")])


def test_private_sends_huggingface_hub_s_settings_request_for_an_existing_public_repo(version, hf_here):
    """huggingface_hub's own update_repo_settings, seen by the server: PUT .../settings {"visibility": "private"}
    before any upload request (the server then fails the upload: the commit is not what is tested here)."""
    root, _ = version
    FakeHubHandler.status = 500
    FakeHubHandler.routes = {**PUBLIC_REPO, ("PUT", "/api/datasets/org/small/settings"): (200, {})}
    result = publish_private(root)
    assert result.exit_code == 1 and result.stderr.startswith("error: the Hub answered 500"), result.output
    at = FakeHubHandler.seen.index("PUT /api/datasets/org/small/settings")
    assert json.loads(FakeHubHandler.bodies[at]) == {"visibility": "private"}
    assert not any(" /api/datasets/org/small/commit" in r or "preupload" in r for r in FakeHubHandler.seen[:at])


def test_a_repo_that_cannot_be_made_private_is_one_line_and_nothing_is_uploaded(version, hf_here):
    root, done = version
    before = intact(done)
    FakeHubHandler.routes = {**PUBLIC_REPO, ("PUT", "/api/datasets/org/small/settings"):
                             (403, {"error": "You don't have the rights to change the settings"})}
    result = publish_private(root)
    assert result.exit_code == 1 and result.stdout == "", result.output
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: org/small is public and could not be made private (403 Forbidden): nothing was "
                     "uploaded; change its visibility on the Hub with an admin token, or publish without --private"]
    assert FakeHubHandler.seen[-1] == "PUT /api/datasets/org/small/settings"  # nothing sent after it
    assert "hf_ok" not in result.stderr and intact(done) == before
