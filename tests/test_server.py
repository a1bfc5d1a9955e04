"""The embedded Label Studio against the real server: lifecycle, credentials, tokens, failures."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import jwt
import pytest
from label_studio_sdk import LabelStudio
from typer.testing import CliRunner

from curation.cli import app
from curation.server import ConnectionProblem, ServerError, connect, credentials, install, process, target
from curation.workspace import Workspace, WorkspaceConfig, WorkspaceError
from tests.conftest import LabelStudioServer

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


# --- a server of its own: the whole lifecycle through the CLI -------------------------------------------


@pytest.mark.usefixtures("label_studio_env")
def test_cli_start_status_start_again_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(tmp_path)
    port = str(process.free_port())
    pid = None
    try:
        code, first = cli("server", "start", "--workspace", str(tmp_path), "--port", port)
        assert code == 0, first
        creds = credentials.load(ws)
        assert creds is not None
        secrets = (creds.password.get_secret_value(), creds.token.get_secret_value())
        assert all(secret in first for secret in secrets)  # shown once ...
        assert stat.S_IMODE(ws.credentials_path.stat().st_mode) == 0o600

        code, again = cli("server", "start", "--workspace", str(tmp_path))
        assert code == 0 and "already running" in again
        assert not any(secret in again for secret in secrets)  # ... and never again
        assert str(ws.credentials_path) in again

        code, out = cli("server", "status", "--json", "--workspace", str(tmp_path))
        info = json.loads(out)
        assert code == 0 and info["running"] and info["url"] == f"http://127.0.0.1:{port}"
        assert info["version"] == install.LABEL_STUDIO_VERSION and info["projects"] == 0
        pid = info["pid"]
        assert ws.config().port == int(port)  # remembered for the next start

        # another shell, whose environment names another Label Studio install, still finds this server
        monkeypatch.setenv(install.VENV_VAR, str(tmp_path / "another-install"))
        monkeypatch.delenv(install.BIN_VAR, raising=False)
        code, out = cli("server", "status", "--json", "--workspace", str(tmp_path))
        assert code == 0 and json.loads(out)["pid"] == pid and json.loads(out)["running"]
    finally:
        code, out = cli("server", "stop", "--workspace", str(tmp_path))
        if pid is not None and process.alive(pid):
            os.killpg(pid, 9)  # a failed stop must not leave the server behind
    assert code == 0 and "stopped" in out
    assert not ws.pid_path.exists() and not Path(f"/proc/{pid}").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health")
    code, out = cli("server", "status", "--workspace", str(tmp_path))
    assert code == 1 and "running" in out and "False" in out
    assert cli("server", "stop", "--workspace", str(tmp_path)) == (0, "Label Studio was not running\n")


# --- the session's server ---------------------------------------------------------------------------------


def test_the_admin_token_works_as_a_legacy_token(labelstudio: LabelStudioServer) -> None:
    answer = httpx.get(f"{labelstudio.url}/api/current-user/whoami",
                       headers={"Authorization": f"Token {labelstudio.api_key}"})
    assert answer.status_code == 200 and answer.json()["email"] == credentials.ADMIN_EMAIL
    assert connect(labelstudio.workspace).users.whoami().email == credentials.ADMIN_EMAIL


def test_a_second_start_is_a_no_op(labelstudio: LabelStudioServer) -> None:
    messages: list[str] = []
    again, created = process.start(labelstudio.workspace, echo=messages.append)
    assert (again.pid, again.url, created) == (labelstudio.state.pid, labelstudio.url, False)
    assert messages == [f"Label Studio is already running at {labelstudio.url} (pid {labelstudio.state.pid})"]


def test_moving_a_running_server_to_another_port_is_refused(labelstudio: LabelStudioServer) -> None:
    with pytest.raises(ServerError, match="already runs on port"):
        process.start(labelstudio.workspace, port=process.free_port())
    assert labelstudio.workspace.config().port == int(labelstudio.url.rsplit(":", 1)[1])


def test_secrets_stay_off_the_command_line_and_out_of_the_log(labelstudio: LabelStudioServer) -> None:
    creds = credentials.load(labelstudio.workspace)
    assert creds is not None
    cmdline = Path(f"/proc/{labelstudio.state.pid}/cmdline").read_bytes().decode()
    log = labelstudio.workspace.log_path.read_text()
    assert "--internal-host\x00127.0.0.1" in cmdline
    for secret in (creds.password.get_secret_value(), creds.token.get_secret_value()):
        assert secret not in cmdline and secret not in log


FORGED_PAT = jwt.encode({"token_type": "refresh", "exp": 4102444800, "user_id": 1}, "not the server's key" * 2)


def test_the_server_keeps_to_itself(labelstudio: LabelStudioServer) -> None:
    """Label Studio, given the running server's own environment, settles on SQLite here and no telemetry."""
    environ = Path(f"/proc/{labelstudio.state.pid}/environ").read_bytes().decode().split("\0")
    env = dict(item.split("=", 1) for item in environ if "=" in item)
    python = Path(Path(f"/proc/{labelstudio.state.pid}/cmdline").read_bytes().split(b"\0")[0].decode())
    probe = ("import os, sys, label_studio; sys.path.insert(0, os.path.dirname(label_studio.__file__)); "
             "os.environ['DJANGO_SETTINGS_MODULE'] = 'label_studio.core.settings.label_studio'; "
             "import django, json; django.setup(); from django.conf import settings as s; "
             "print(json.dumps([s.COLLECT_ANALYTICS, s.SENTRY_DSN, s.FRONTEND_SENTRY_DSN, s.LATEST_VERSION_CHECK, "
             "s.DISABLE_SIGNUP_WITHOUT_LINK, s.DATABASES['default']['NAME']]))")
    out = subprocess.run([str(python), "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    database = str(labelstudio.workspace.labelstudio_dir / "label_studio.sqlite3")
    assert json.loads(out.splitlines()[-1]) == [False, "", "", False, True, database]


@pytest.mark.parametrize("wrong", ["0123456789abcdef0123456789abcdef01234567", FORGED_PAT], ids=["legacy", "jwt"])
def test_a_wrong_key_is_rejected_without_echoing_it(labelstudio: LabelStudioServer, monkeypatch: pytest.MonkeyPatch,
                                                    wrong: str) -> None:
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", wrong)
    assert repr(target(labelstudio.workspace)).count(wrong) == 0
    with pytest.raises(ConnectionProblem, match="rejected the API key .*HTTP 401.*check LABEL_STUDIO_API_KEY") as err:
        connect(labelstudio.workspace)
    assert wrong not in str(err.value) and wrong not in repr(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_annotators_get_tokens_of_their_own_legacy_and_personal(labelstudio: LabelStudioServer, make_annotator,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = make_annotator("reader"), make_annotator("reader")
    assert first.email != second.email and first.token != second.token
    members = {user.email for user in labelstudio.client.users.list()}
    assert {first.email, second.email} <= members
    as_first = LabelStudio(base_url=labelstudio.url, api_key=first.token.get_secret_value())
    assert as_first.users.whoami().email == first.email
    personal = as_first.tokens.create().token  # a JWT refresh token (personal access token)
    assert personal.count(".") == 2
    monkeypatch.setenv("LABEL_STUDIO_URL", labelstudio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", personal)
    assert connect(labelstudio.workspace).users.whoami().email == first.email


# --- no server needed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("remote", [True, False], ids=["remote", "embedded"])
@pytest.mark.parametrize("command", ["push", "pull"])
def test_server_commands_fail_at_once_when_nothing_listens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           command: str, remote: bool) -> None:
    """Before: ~10 s of silent retries. Now one line, with the URL and what to do, and no retry loop."""
    port = process.free_port()
    ws = Workspace(tmp_path)
    ws.save_config(WorkspaceConfig(port=port, project_id=1))
    if remote:
        monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("LABEL_STUDIO_API_KEY", "secret-token-value")
        fix = "check that the server is up"
    else:
        monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
        credentials.create(ws)
        fix = "start it with `curation server start`"
    (tmp_path / "a.txt").write_text("Officials said the bridge would reopen.\n")
    args = [command, str(tmp_path / "a.txt")] if command == "push" else [command]
    started = time.monotonic()
    result = runner.invoke(app, [*args, "--workspace", str(tmp_path)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"cannot reach Label Studio at http://127.0.0.1:{port} (nothing listens there); {fix}" in result.output
    assert "secret-token-value" not in result.output
    assert elapsed < 5  # a behavioural bound (no retry loop), far above the real ~0.1 s


def test_a_server_that_accepts_then_hangs_up_is_retried_a_bounded_number_of_times(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        monkeypatch.setenv("LABEL_STUDIO_URL", url)
        monkeypatch.setenv("LABEL_STUDIO_API_KEY", "secret-token-value")
        accepted = []

        def hang_up() -> None:
            listener.settimeout(1)
            try:
                while True:
                    conn, _ = listener.accept()
                    accepted.append(conn)
                    conn.close()
            except OSError:
                return

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        with pytest.raises(ConnectionProblem, match=f"{url} accepted the connection but gave no answer "
                                                    r"\(3 attempts\)") as err:
            connect(Workspace(tmp_path), retries=2)
    thread.join()
    assert "secret-token-value" not in str(err.value)
    assert len(accepted) == 2 * 3  # the reachability handshake and the request, per attempt


def test_credentials_in_the_url_are_masked_in_every_message(labelstudio: LabelStudioServer, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: `LABEL_STUDIO_URL=https://user:pass@host` echoed the password in errors."""
    ws = Workspace(tmp_path)
    ws.save_config(WorkspaceConfig(project_id=1))
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "0123456789abcdef0123456789abcdef01234567")
    host = labelstudio.url.removeprefix("http://")
    down = f"127.0.0.1:{process.free_port()}"
    cases = {f"http://someone:hunter2@{down}": f"http://***@{down} (nothing listens",
             f"http://someone:hunter2@{host}": f"http://***@{host} rejected the API key",  # the server answers 401
             f"someone:hunter2@{host}": f"not '***@{host}'"}
    for url, shown in cases.items():
        monkeypatch.setenv("LABEL_STUDIO_URL", url)
        with pytest.raises(ConnectionProblem) as err:
            connect(ws)
        assert shown in str(err.value) and "hunter2" not in repr(err.value) and "someone" not in str(err.value)
        code, out = cli("pull", "--workspace", str(tmp_path))
        assert code == 1 and shown in out and "hunter2" not in out and "someone" not in out
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://someone:hunter2@{host}")
    assert "hunter2" not in repr(target(ws)) and target(ws).url == f"http://***@{host}"


def test_the_embedded_server_without_credentials_says_to_start_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    with pytest.raises(ConnectionProblem, match="run `curation server start`"):
        connect(Workspace(tmp_path))


def test_which_server_the_environment_and_config_select(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(tmp_path)
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    ws.save_config(WorkspaceConfig(label_studio_url="https://ls.example.org/"))
    with pytest.raises(ConnectionProblem, match="LABEL_STUDIO_API_KEY is not set"):
        target(ws)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "k")
    assert (target(ws).url, target(ws).remote) == ("https://ls.example.org", True)
    monkeypatch.setenv("LABEL_STUDIO_URL", "ls.other.org")
    with pytest.raises(ConnectionProblem, match="LABEL_STUDIO_URL must start with http"):
        target(ws)
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://ls.other.org:8080")
    assert target(ws).url == "http://ls.other.org:8080"


def test_a_busy_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServerError, match=rf"port {port} on 127.0.0.1 is in use .*--port \d+"):
            process.start(Workspace(tmp_path), port=port)
    assert not (tmp_path / ".curation" / "credentials.json").exists()


def test_a_server_that_dies_while_starting_shows_its_log_with_secrets_masked(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "label-studio"
    fake.write_text('#!/bin/sh\necho "migrations failed for token $LABEL_STUDIO_USER_TOKEN"\nexit 3\n')
    fake.chmod(0o755)
    monkeypatch.setenv(install.BIN_VAR, str(fake))
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(ServerError, match=r"exited while starting(.|\n)*migrations failed for token \*\*\*") as err:
        process.start(ws, port=process.free_port())
    token = credentials.load(ws).token.get_secret_value()  # type: ignore[union-attr]
    assert token not in str(err.value) and token in ws.log_path.read_text()
    assert not ws.pid_path.exists()


@pytest.mark.usefixtures("label_studio_env")
def test_a_decoy_naming_the_workspace_is_never_taken_for_the_server(tmp_path: Path) -> None:
    """Before: any process whose arguments contained the workspace path was killed by `server stop`."""
    ws = Workspace(tmp_path)
    ws.save_config(WorkspaceConfig(port=process.free_port()))
    python = install.interpreter(install.executable(ws))  # the very executable the server runs
    listen = ("import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); "
              "print('ready', flush=True); time.sleep(120)")
    decoys = [  # arguments naming the workspace, then even the server's executable, its data folder and port
        [sys.executable, "-c", "import time; time.sleep(120)", "start", "--data-dir", str(ws.labelstudio_dir)],
        [str(python), "-c", listen, str(ws.config().port), str(install.executable(ws)), "start", "--data-dir",
         str(ws.labelstudio_dir)],
    ]
    for argv in decoys:
        decoy = subprocess.Popen(argv, stdout=subprocess.PIPE, start_new_session=True)
        try:
            if argv[0] == str(python):
                assert decoy.stdout is not None and decoy.stdout.readline() == b"ready\n"
            ws.pid_path.write_text(f"{decoy.pid}\n")
            assert process.status(ws).pid is None
            ws.pid_path.write_text(f"{decoy.pid}\n")
            assert process.stop(ws) is False
            assert decoy.poll() is None  # alive: never signalled
        finally:
            decoy.kill()
            decoy.wait()


def test_a_pid_file_naming_another_process_is_dropped_and_that_process_spared(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.dir.mkdir(exist_ok=True)
    ws.pid_path.write_text(f"{os.getpid()}\n")  # this very test: a recycled pid
    assert process.status(ws).running is False
    assert not ws.pid_path.exists()
    ws.pid_path.write_text(f"{os.getpid()}\n")
    assert process.stop(ws) is False  # and we are still here


def test_credentials_missing_beside_an_existing_database_are_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.labelstudio_dir.mkdir(parents=True)
    (ws.labelstudio_dir / "label_studio.sqlite3").write_bytes(b"")
    with pytest.raises(ServerError, match=r"credentials.json is missing"):
        process.start(ws, port=process.free_port())


def test_broken_workspace_files_are_named(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.dir.mkdir(exist_ok=True)
    ws.config_path.write_text('{"port": "eighty"}')
    with pytest.raises(WorkspaceError, match=rf"{ws.config_path}: port: "):
        ws.config()
    ws.credentials_path.write_text('{"username": "a"}')
    with pytest.raises(WorkspaceError, match=rf"{ws.credentials_path}: not valid credentials .*password"):
        credentials.load(ws)


def test_new_credentials_are_owner_only_and_random(tmp_path: Path) -> None:
    one, two = credentials.create(Workspace(tmp_path / "a")), credentials.create(Workspace(tmp_path / "b"))
    assert stat.S_IMODE((tmp_path / "a" / ".curation" / "credentials.json").stat().st_mode) == 0o600
    assert one.token != two.token and one.password != two.password
    assert len(one.token.get_secret_value()) == 40 and one.token.get_secret_value() not in repr(one)
    assert credentials.load(Workspace(tmp_path / "a")) == one


def test_a_label_studio_bin_that_is_not_executable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(install.BIN_VAR, str(tmp_path / "nothing-here"))
    with pytest.raises(ServerError, match="CURATION_LABEL_STUDIO_BIN=.*nothing-here is not an executable"):
        install.label_studio_bin(Workspace(tmp_path))


def test_an_install_never_overwrites_a_folder_that_is_not_a_virtualenv(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(install.BIN_VAR, raising=False)
    monkeypatch.setenv(install.VENV_VAR, str(tmp_path))
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ServerError, match=f"{tmp_path} is neither empty nor a virtualenv"):
        install.label_studio_bin(Workspace(tmp_path / "ws"), echo=lambda _: None)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_only_the_pinned_version_counts_as_installed(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "label-studio").write_text("")
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    (site / "label_studio-1.22.0.dist-info").mkdir(parents=True)
    assert not install.installed(tmp_path)
    (site / f"label_studio-{install.LABEL_STUDIO_VERSION}.dist-info").mkdir()
    assert install.installed(tmp_path)
