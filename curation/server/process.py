"""Starting, stopping and inspecting the embedded Label Studio server.

The server runs detached (its own session, so Ctrl-C in the shell that started
it does not kill it), bound to 127.0.0.1, with SQLite and its data under the
workspace, analytics, version checks and Sentry off. Secrets reach it through
environment variables, never the command line (which `ps` shows).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from curation.server import credentials
from curation.server.install import label_studio_bin
from curation.workspace import Workspace

START_TIMEOUT = 180.0


@dataclass(frozen=True)
class ServerState:
    url: str
    pid: int | None
    running: bool
    version: str | None = None


def pid_path(ws: Workspace) -> Path:
    return ws.dir / "labelstudio.pid"


def log_path(ws: Workspace) -> Path:
    return ws.dir / "labelstudio.log"


def url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def _alive(pid: int) -> bool:
    try:  # reap it if it is our own child that exited, or kill(0) would see the zombie
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid(ws: Workspace) -> int | None:
    try:
        pid = int(pid_path(ws).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def health(url: str, timeout: float = 2.0) -> str | None:
    """The server's version when /health answers, else None."""
    try:
        if httpx.get(f"{url}/health", timeout=timeout).status_code != 200:
            return None
        version = httpx.get(f"{url}/api/version", timeout=timeout).json()
    except (httpx.HTTPError, ValueError):
        return None
    return str(version.get("release") or version.get("label-studio-os-package", {}).get("version") or "unknown")


def status(ws: Workspace) -> ServerState:
    url = url_for(ws.config().port)
    pid = _pid(ws)
    version = health(url) if pid else None
    return ServerState(url=url, pid=pid, running=version is not None, version=version)


def _log_tail(ws: Workspace, lines: int = 20) -> str:
    try:
        return "\n".join(log_path(ws).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def start(ws: Workspace, port: int | None = None, echo=print) -> tuple[ServerState, bool]:  # type: ignore[no-untyped-def]
    """Start the server unless it runs; returns its state and whether credentials were created now."""
    config = ws.config()
    if port is not None and port != config.port:
        config = config.model_copy(update={"port": port})
        ws.save_config(config)
    current = status(ws)
    if current.running:
        return current, False
    if not _port_free(config.port):
        raise RuntimeError(f"port {config.port} on 127.0.0.1 is taken by another program; use --port")
    exe = label_studio_bin(ws, echo)
    creds = credentials.load(ws)
    created = creds is None
    creds = creds or credentials.create(ws)
    ws.labelstudio_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(ws.labelstudio_dir),
        "LABEL_STUDIO_USERNAME": creds.username,
        "LABEL_STUDIO_PASSWORD": creds.password.get_secret_value(),
        "LABEL_STUDIO_USER_TOKEN": creds.token.get_secret_value(),
        "COLLECT_ANALYTICS": "false",
        "LATEST_VERSION_CHECK": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    }
    env.pop("DJANGO_DB", None)  # SQLite unless the user runs a server of their own
    cmd = [str(exe), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(config.port),
           "--data-dir", str(ws.labelstudio_dir), "--enable-legacy-api-token", "--log-level", "WARNING"]
    with log_path(ws).open("ab") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    pid_path(ws).write_text(str(proc.pid))
    url = url_for(config.port)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Label Studio exited with code {proc.returncode}; log tail:\n{_log_tail(ws)}")
        if (version := health(url)) and _authenticated(url, creds.token.get_secret_value()):
            return ServerState(url=url, pid=proc.pid, running=True, version=version), created
        time.sleep(1.0)
    stop(ws)
    raise RuntimeError(f"Label Studio did not answer at {url} within {START_TIMEOUT:.0f} s; log tail:\n{_log_tail(ws)}")


def _authenticated(url: str, token: str) -> bool:
    try:
        return httpx.get(f"{url}/api/current-user/whoami", headers={"Authorization": f"Token {token}"},
                         timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def stop(ws: Workspace, timeout: float = 20.0) -> bool:
    """Stop the server's whole process group (SIGTERM, then SIGKILL); False if it was not running."""
    pid = _pid(ws)
    pid_path(ws).unlink(missing_ok=True)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)
    return True
