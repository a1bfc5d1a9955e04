"""Starting, stopping and inspecting the embedded Label Studio server.

The server runs detached in its own session (Ctrl-C in the shell that started it
does not kill it), bound to 127.0.0.1, with its data under the workspace (SQLite,
or a PostgreSQL cluster of the workspace's own: `curation.server.postgres`), and
with analytics, version checks and Sentry off. Secrets reach it through
environment variables, never the command line, which `ps` shows to all. It runs
with umask 077, so what it writes (its database, media, `.env` with its secret
key) is its owner's only.

A process is this workspace's server only if it runs the exact executable it
was started with (recorded in the pid file, so a `stop` under another
CURATION_LABEL_STUDIO_VENV still finds it), with this workspace's data directory, and
(once started) listens on the workspace's port: a pid file naming a recycled pid,
or a look-alike whose arguments merely mention the workspace, is never signalled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

import httpx

from curation.pids import alive
from curation.private import make_private, open_private
from curation.server import credentials, postgres
from curation.server.credentials import Credentials
from curation.server.errors import ServerError
from curation.server.install import executable, interpreter, label_studio_bin
from curation.server.locking import file_lock
from curation.server.ports import free_port, listens, port_free, url_for
from curation.workspace import Workspace

__all__ = ["ServerState", "alive", "free_port", "health", "start", "status", "stop", "url_for"]

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
    database: str = "sqlite"  # or "postgresql on 127.0.0.1:PORT"


def status(ws: Workspace) -> ServerState:
    url = url_for(ws.config().port)
    pid = _server_pid(ws)
    version = health(url) if pid and listens(pid, ws.config().port) else None
    return ServerState(url=url, pid=pid, running=version is not None, version=version, database=_database(ws))


def _database(ws: Workspace) -> str:
    cluster = postgres.load(ws)
    return "sqlite" if cluster is None else f"postgresql on 127.0.0.1:{cluster.port}"


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
          timeout: float = START_TIMEOUT, use_postgres: bool = False) -> tuple[ServerState, bool]:
    """Start the server unless it runs; return its state and whether admin credentials were made now.

    `use_postgres` gives a new workspace a PostgreSQL cluster of its own (remembered: later starts use
    it too). Returns only once the server accepts the admin token, so callers can use it at once.
    """
    with file_lock(ws.dir / "server.lock"):  # a second `start` waits, then finds this one running
        return _start(ws, port, echo, timeout, use_postgres)


def _start(ws: Workspace, port: int | None, echo: Callable[[str], None], timeout: float,
           use_postgres: bool) -> tuple[ServerState, bool]:
    config = ws.config()
    if pid := _server_pid(ws):
        if port not in (None, config.port):
            raise ServerError(f"Label Studio already runs on port {config.port}; `curation server stop` it first")
        if use_postgres and postgres.load(ws) is None:
            raise ServerError("Label Studio already runs here on SQLite; --postgres is for a new workspace")
        url = url_for(config.port)
        version = _wait_ready(ws, url, _existing_credentials(ws), lambda: _server_pid(ws) == pid, timeout)
        echo(f"Label Studio is already running at {url} (pid {pid})")
        return ServerState(url=url, pid=pid, running=True, version=version, database=_database(ws)), False
    if port is not None and port != config.port:
        config = config.model_copy(update={"port": port})
        ws.save_config(config)
    url = url_for(config.port)
    if not port_free(config.port):
        raise ServerError(f"port {config.port} on 127.0.0.1 is in use by another program; "
                          f"start on another one, e.g. `curation server start --port {free_port()}`")
    creds = credentials.load(ws)
    if creds is None and (ws.labelstudio_dir / DATABASE).exists():
        raise ServerError(f"{ws.credentials_path} is missing but {ws.labelstudio_dir} holds a Label Studio database "
                          "whose admin it described; restore the file, or delete both to start afresh")
    cluster = _cluster(ws, use_postgres, echo)
    exe = label_studio_bin(ws, echo)
    created = creds is None
    creds = creds or credentials.create(ws)
    make_private(ws.labelstudio_dir)  # what an older curation left readable to all
    proc = _launch(ws, exe, config.port, creds, cluster)
    try:
        version = _wait_ready(ws, url, creds, lambda: proc.poll() is None, timeout, cluster)
    except ServerError:
        ws.pid_path.unlink(missing_ok=True)
        _end_group(proc.pid, STOP_TIMEOUT)  # a server that never became usable must not linger
        raise
    return ServerState(url=url, pid=proc.pid, running=True, version=version, database=_database(ws)), created


def _cluster(ws: Workspace, use_postgres: bool, echo: Callable[[str], None]) -> postgres.Cluster | None:
    """The workspace's PostgreSQL, started (and made, the first time); None for SQLite."""
    cluster = postgres.load(ws)
    if cluster is None and use_postgres:
        if (ws.labelstudio_dir / DATABASE).exists():
            raise ServerError(f"this workspace's Label Studio keeps its data in SQLite ({ws.labelstudio_dir / DATABASE})"
                              "; Label Studio cannot move it to PostgreSQL: use --postgres in a new workspace")
        cluster = postgres.create(ws)
    if cluster is not None:
        postgres.start(cluster, echo)
    return cluster


def stop(ws: Workspace, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the server and the workspace's PostgreSQL, if any; False if Label Studio was not running.

    Waits for a `start` under way to finish, so what is stopped is a server that is either ready or gone.
    """
    with file_lock(ws.dir / "server.lock"):
        pid = _server_pid(ws)
        if pid is not None and not listens(pid, ws.config().port):
            raise ServerError(f"process {pid} runs this workspace's Label Studio but does not listen on its port "
                              f"{ws.config().port}; not stopping it: look at it (`ps -p {pid} -o args`) and end it "
                              "yourself if it is stuck")
        ws.pid_path.unlink(missing_ok=True)
        if pid is not None:
            _end_group(pid, timeout)
        if (cluster := postgres.load(ws)) is not None:
            postgres.stop(cluster)
        return pid is not None


def _end_group(pid: int, timeout: float) -> None:
    """End the process group `pid` leads (the server leads its own session): SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)  # the server leads its own session: pgid == pid
        except ProcessLookupError:
            return
        if _group_gone(pid, wait):
            return
    raise ServerError(f"Label Studio (process group {pid}) survived SIGKILL")


def _launch(ws: Workspace, exe: Path, port: int, creds: Credentials,
            cluster: postgres.Cluster | None) -> subprocess.Popen[bytes]:
    ws.labelstudio_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    cmd = [str(exe), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(ws.labelstudio_dir), "--enable-legacy-api-token", "--log-level", "WARNING"]
    with os.fdopen(open_private(ws.log_path), "ab") as log:
        log.write(f"\n--- curation: starting Label Studio on 127.0.0.1:{port} at {time.ctime()}\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, env=_server_env(ws, creds, cluster), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, umask=0o077)
    with os.fdopen(open_private(ws.pid_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as pid_file:
        pid_file.write(f"{proc.pid}\n{exe}\n")
    return proc


def _server_env(ws: Workspace, creds: Credentials, cluster: postgres.Cluster | None = None) -> dict[str, str]:
    """Our settings win: Label Studio reads LABEL_STUDIO_X before HEARTEX_X and a bare X.

    Inherited LABEL_STUDIO_*/HEARTEX_* variables (e.g. a remote server's URL and
    key) and our own virtualenv's Python settings are not passed on.
    """
    dropped = ("LABEL_STUDIO_", "HEARTEX_", "DJANGO_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    database = postgres.label_studio_env(cluster) if cluster else {
        "DJANGO_DB": "sqlite", "DATABASE_NAME": str(ws.labelstudio_dir / DATABASE)}
    ours = {
        "BASE_DATA_DIR": str(ws.labelstudio_dir),
        **database,
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


def _wait_ready(ws: Workspace, url: str, creds: Credentials, alive: Callable[[], bool], timeout: float,
                cluster: postgres.Cluster | None = None) -> str:
    """Wait for /health, then for the admin token to be accepted; the version on success."""
    deadline = time.monotonic() + timeout
    secrets = [creds.password, creds.token] + ([cluster.password] if cluster else [])
    while time.monotonic() < deadline:
        if not alive():
            raise ServerError(f"Label Studio exited while starting; end of {ws.log_path}:\n{_log_tail(ws, secrets)}")
        if version := health(url):
            if (code := _token_status(url, creds)) == 200:
                return version
            if code in (401, 403):
                raise ServerError(f"Label Studio at {url} refuses the admin token in {ws.credentials_path} "
                                  f"(HTTP {code}); was its data directory {ws.labelstudio_dir} replaced?")
        time.sleep(POLL)
    raise ServerError(f"Label Studio did not answer at {url} within {timeout:.0f} s; "
                      f"end of {ws.log_path}:\n{_log_tail(ws, secrets)}")


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


def _log_tail(ws: Workspace, secrets: list[SecretStr], lines: int = 20) -> str:
    """The end of the server log, with the secrets masked should Label Studio ever print them."""
    try:
        tail = "\n".join(ws.log_path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
    for secret in secrets:
        tail = tail.replace(secret.get_secret_value(), "***")
    return tail


def _server_pid(ws: Workspace) -> int | None:
    """The pid in the pid file if that process is still our server (listening or not yet); a stale pid file is removed.

    The file holds the pid and the executable started (a file of an older curation, the pid alone: then the
    install the environment names now is assumed)."""
    try:
        pid, *started = ws.pid_path.read_text().splitlines()
        pid_number = int(pid)
    except (FileNotFoundError, ValueError):
        return None
    exe = Path(started[0]) if started and started[0] else executable(ws)
    if _is_our_server(ws, pid_number, exe):
        return pid_number
    ws.pid_path.unlink(missing_ok=True)
    return None


def _is_our_server(ws: Workspace, pid: int, exe: Path) -> bool:
    """Guards against recycled pids and look-alikes: the process runs `exe` (the executable it was started
    with), on this workspace's data directory (whole arguments, not substrings).
    Whether it listens on the workspace's port is the caller's second question (a starting server does not yet)."""
    _reap(pid)
    if not Path("/proc/self").exists():  # no procfs (macOS): the pid file is all we have
        return alive(pid)
    try:
        argv = [os.fsdecode(arg) for arg in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
        running = Path(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return False
    at = argv.index(str(exe)) if str(exe) in argv[:2] else None  # [exe, ...], or [interpreter, script, ...]
    data_dir = ["--data-dir", str(ws.labelstudio_dir)]
    return (at is not None and argv[at + 1:at + 2] == ["start"] and running == interpreter(exe)
            and any(argv[i:i + 2] == data_dir for i in range(at, len(argv) - 1)))


def _reap(pid: int) -> None:
    """Collect our own child's exit status, or it lingers as a zombie that looks alive."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


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
