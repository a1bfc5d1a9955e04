"""Starting, stopping and inspecting the embedded Label Studio server.

The server runs detached in its own session (Ctrl-C in the shell that started it
does not kill it), bound to 127.0.0.1, with SQLite and all its data under the
workspace, and with analytics, version checks and Sentry off. Secrets reach it
through environment variables, never the command line, which `ps` shows to all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from curation.server import credentials
from curation.server.credentials import Credentials
from curation.server.errors import ServerError
from curation.server.install import label_studio_bin
from curation.server.locking import file_lock
from curation.workspace import Workspace

START_TIMEOUT = 180.0
STOP_TIMEOUT = 20.0
POLL = 0.5
DATABASE = "label_studio.sqlite3"


@dataclass(frozen=True)
class ServerState:
    url: str
    pid: int | None
    running: bool  # the process is ours and /health answers
    version: str | None = None


def url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status(ws: Workspace) -> ServerState:
    url = url_for(ws.config().port)
    pid = _server_pid(ws)
    version = health(url) if pid else None
    return ServerState(url=url, pid=pid, running=version is not None, version=version)


def health(url: str, timeout: float = 2.0) -> str | None:
    """The Label Studio version when its /health answers, else None."""
    try:
        if httpx.get(f"{url}/health", timeout=timeout).status_code != 200:
            return None
        version = httpx.get(f"{url}/api/version", timeout=timeout).json()
    except (httpx.HTTPError, ValueError):
        return None
    return str(version.get("release") or "unknown")


def start(ws: Workspace, port: int | None = None, echo: Callable[[str], None] = print,
          timeout: float = START_TIMEOUT) -> tuple[ServerState, bool]:
    """Start the server unless it runs; return its state and whether admin credentials were made now.

    Returns only once the server accepts the admin token, so callers can use it at once.
    """
    with file_lock(ws.dir / "server.lock"):  # a second `start` waits, then finds this one running
        return _start(ws, port, echo, timeout)


def _start(ws: Workspace, port: int | None, echo: Callable[[str], None], timeout: float) -> tuple[ServerState, bool]:
    config = ws.config()
    if pid := _server_pid(ws):
        if port not in (None, config.port):
            raise ServerError(f"Label Studio already runs on port {config.port}; `curation server stop` it first")
        url = url_for(config.port)
        version = _wait_ready(ws, url, _existing_credentials(ws), lambda: _is_our_server(ws, pid), timeout)
        echo(f"Label Studio is already running at {url} (pid {pid})")
        return ServerState(url=url, pid=pid, running=True, version=version), False
    if port is not None and port != config.port:
        config = config.model_copy(update={"port": port})
        ws.save_config(config)
    url = url_for(config.port)
    if not _port_free(config.port):
        raise ServerError(f"port {config.port} on 127.0.0.1 is in use by another program; "
                          f"start on another one, e.g. `curation server start --port {free_port()}`")
    creds = credentials.load(ws)
    if creds is None and (ws.labelstudio_dir / DATABASE).exists():
        raise ServerError(f"{ws.credentials_path} is missing but {ws.labelstudio_dir} holds a Label Studio database "
                          "whose admin it described; restore the file, or delete both to start afresh")
    exe = label_studio_bin(ws, echo)
    created = creds is None
    creds = creds or credentials.create(ws)
    proc = _launch(ws, exe, config.port, creds)
    try:
        version = _wait_ready(ws, url, creds, lambda: proc.poll() is None, timeout)
    except ServerError:
        stop(ws)  # a server that never became usable must not linger
        raise
    return ServerState(url=url, pid=proc.pid, running=True, version=version), created


def stop(ws: Workspace, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the server's whole process group (SIGTERM, then SIGKILL); False if it was not running."""
    pid = _server_pid(ws)
    ws.pid_path.unlink(missing_ok=True)
    if pid is None:
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)  # the server leads its own session: pgid == pid
        except ProcessLookupError:
            return True
        if _group_gone(pid, wait):
            return True
    raise ServerError(f"Label Studio (process group {pid}) survived SIGKILL")


def _launch(ws: Workspace, exe: Path, port: int, creds: Credentials) -> subprocess.Popen[bytes]:
    ws.labelstudio_dir.mkdir(parents=True, exist_ok=True)
    cmd = [str(exe), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(ws.labelstudio_dir), "--enable-legacy-api-token", "--log-level", "WARNING"]
    with ws.log_path.open("ab") as log:
        log.write(f"\n--- curation: starting Label Studio on 127.0.0.1:{port} at {time.ctime()}\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, env=_server_env(ws, creds), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    ws.pid_path.write_text(f"{proc.pid}\n")
    return proc


def _server_env(ws: Workspace, creds: Credentials) -> dict[str, str]:
    """Our settings win: Label Studio reads LABEL_STUDIO_X before HEARTEX_X and a bare X.

    Inherited LABEL_STUDIO_*/HEARTEX_* variables (e.g. a remote server's URL and
    key) and our own virtualenv's Python settings are not passed on.
    """
    dropped = ("LABEL_STUDIO_", "HEARTEX_", "DJANGO_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    ours = {
        "BASE_DATA_DIR": str(ws.labelstudio_dir),
        "DJANGO_DB": "sqlite",
        "DATABASE_NAME": str(ws.labelstudio_dir / DATABASE),
        "USERNAME": creds.username,
        "PASSWORD": creds.password.get_secret_value(),
        "USER_TOKEN": creds.token.get_secret_value(),
        "COLLECT_ANALYTICS": "false",
        "LATEST_VERSION_CHECK": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "DISABLE_SIGNUP_WITHOUT_LINK": "true",  # annotators join through the organisation's invite link
        "ENABLE_LEGACY_API_TOKEN": "true",
    }
    return {**inherited, **{f"LABEL_STUDIO_{key}": value for key, value in ours.items()}, "PYTHONUNBUFFERED": "1"}


def _wait_ready(ws: Workspace, url: str, creds: Credentials, alive: Callable[[], bool], timeout: float) -> str:
    """Wait for /health, then for the admin token to be accepted; the version on success."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise ServerError(f"Label Studio exited while starting; end of {ws.log_path}:\n{_log_tail(ws, creds)}")
        if version := health(url):
            if (code := _token_status(url, creds)) == 200:
                return version
            if code in (401, 403):
                raise ServerError(f"Label Studio at {url} refuses the admin token in {ws.credentials_path} "
                                  f"(HTTP {code}); was its data directory {ws.labelstudio_dir} replaced?")
        time.sleep(POLL)
    raise ServerError(f"Label Studio did not answer at {url} within {timeout:.0f} s; "
                      f"end of {ws.log_path}:\n{_log_tail(ws, creds)}")


def _token_status(url: str, creds: Credentials) -> int | None:
    headers = {"Authorization": f"Token {creds.token.get_secret_value()}"}
    try:
        return httpx.get(f"{url}/api/current-user/whoami", headers=headers, timeout=5).status_code
    except httpx.HTTPError:
        return None


def _existing_credentials(ws: Workspace) -> Credentials:
    if (creds := credentials.load(ws)) is None:
        raise ServerError(f"Label Studio runs but {ws.credentials_path} is missing; "
                          "stop it with `curation server stop` and restore the file")
    return creds


def _log_tail(ws: Workspace, creds: Credentials, lines: int = 20) -> str:
    """The end of the server log, with the admin secrets masked should Label Studio ever print them."""
    try:
        tail = "\n".join(ws.log_path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
    for secret in (creds.password.get_secret_value(), creds.token.get_secret_value()):
        tail = tail.replace(secret, "***")
    return tail


def _server_pid(ws: Workspace) -> int | None:
    """The pid in the pid file if that process is still our server; a stale pid file is removed."""
    try:
        pid = int(ws.pid_path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if _is_our_server(ws, pid):
        return pid
    ws.pid_path.unlink(missing_ok=True)
    return None


def _is_our_server(ws: Workspace, pid: int) -> bool:
    """Guards against recycled pids: the process must be Label Studio serving this workspace's data."""
    _reap(pid)
    if not Path("/proc/self").exists():  # no procfs (macOS): the pid file is all we have
        return alive(pid)
    try:
        return str(ws.labelstudio_dir).encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _reap(pid: int) -> None:
    """Collect our own child's exit status, or it lingers as a zombie that looks alive."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _reap(pgid)
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def _port_free(port: int) -> bool:
    """Binding is the real test: it also sees servers on 0.0.0.0, which a connect to 127.0.0.1 may miss."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
