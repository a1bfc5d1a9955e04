"""Connecting to Label Studio: the embedded server, or a remote one the user names.

LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY (the SDK's own variables) select a
remote or production server; else a `label_studio_url` in the workspace config
(with the key from LABEL_STUDIO_API_KEY); else the embedded server with the
workspace's credentials. Legacy tokens and personal access tokens (JWT refresh
tokens) both work: SDK 2.x tells them apart and trades a JWT for short-lived
access tokens at /api/token/refresh/ itself.

A URL may carry credentials (https://user:pass@host, for a proxy in front of
Label Studio): `Target.url`, the one every message shows, has them masked.
When nothing listens at the URL, commands fail at once, saying so; only a
server that accepted the connection and then dropped it is retried, briefly.
"""

from __future__ import annotations

import os
import re
import socket
import urllib.request
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from curation.server import credentials
from curation.server.errors import ConnectionProblem
from curation.server.ports import url_for
from curation.workspace import Workspace

RETRIES = 2  # attempts after the first, for a server that accepted the connection then dropped it
FIRST_DELAY = 0.25  # then 0.5 s: well under 2 s in all
CONNECT_TIMEOUT = 1.5  # for the first TCP handshake: nothing answering is reported at once
USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)?.*@", re.DOTALL)
URL_VAR = "LABEL_STUDIO_URL"
KEY_VAR = "LABEL_STUDIO_API_KEY"


@dataclass(frozen=True)
class Target:
    address: str = field(repr=False)  # as given, credentials included: for connecting only
    api_key: str = field(repr=False)  # keep the key out of logs and tracebacks
    remote: bool = False

    @property
    def url(self) -> str:
        """The address with any user and password in it masked: the one to show."""
        return masked(self.address)


def masked(url: str) -> str:
    """`url` with its userinfo (https://user:pass@host) replaced by ***.

    Everything up to the last "@" goes, even in a URL too broken to parse (a password with a bare "/"):
    a path with an "@" in it is masked too, which hides more than needed but never a secret.
    """
    return USERINFO.sub(r"\1***@", url)


def embedded_target(ws: Workspace) -> Target:
    """The workspace's own server, with the admin token `curation server start` made."""
    creds = credentials.load(ws)
    if creds is None:
        raise ConnectionProblem(f"no Label Studio credentials in {ws.credentials_path}: run `curation server start`, "
                                f"or set {URL_VAR} and {KEY_VAR} for a remote server")
    return Target(url_for(ws.config().port), creds.token.get_secret_value())


def target(ws: Workspace) -> Target:
    """Which server to talk to, and with which key (see the module docstring)."""
    env_url, key = os.environ.get(URL_VAR), os.environ.get(KEY_VAR)
    url = env_url or ws.config().label_studio_url
    if url is None:
        return embedded_target(ws)
    source = URL_VAR if env_url else f"label_studio_url in {ws.config_path}"
    if not url.startswith(("http://", "https://")):
        raise ConnectionProblem(f"{source} must start with http:// or https://, not {masked(url)!r}")
    if not key:
        raise ConnectionProblem(f"{source} names a Label Studio server but {KEY_VAR} is not set; set it to your "
                                "legacy API token or personal access token (Account & Settings in Label Studio)")
    return Target(url.rstrip("/"), key, remote=True)


def connect(ws: Workspace, retries: int = RETRIES, where: Target | None = None) -> LabelStudio:
    """A checked SDK client: the server answered and accepted the key, or ConnectionProblem says why.

    Nothing listening fails at once; a server that accepted the connection and
    dropped it is retried `retries` times with short doubling waits. SDK errors
    are re-raised without their context, which could echo request details.
    """
    where = where or target(ws)
    try:
        client = LabelStudio(base_url=where.address, api_key=where.api_key)
    except ApiError as exc:  # a JWT that is expired or has no expiry is refused before any request
        raise ConnectionProblem(_refused(where, exc)) from None
    delay = FIRST_DELAY
    for attempt in range(retries + 1):
        _listening(where)
        try:
            client.users.whoami(request_options={"max_retries": 0})  # the retries are ours
            return client
        except httpx.TransportError:
            if attempt < retries:
                time.sleep(delay)
                delay *= 2
        except ApiError as exc:
            raise ConnectionProblem(_refused(where, exc)) from None
    raise ConnectionProblem(f"Label Studio at {where.url} accepted the connection but gave no answer "
                            f"({retries + 1} attempts); " + _what_to_do(where))


def _listening(where: Target) -> None:
    """One TCP handshake with the server's host and port, or a ConnectionProblem saying nothing listens there."""
    parts = urlsplit(where.address)
    if urllib.request.getproxies().get(parts.scheme) and not urllib.request.proxy_bypass(parts.hostname or ""):
        return  # reached through a proxy: only the request itself can tell
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname or "", port), timeout=CONNECT_TIMEOUT):
            return
    except ValueError:  # a port that is not a number
        raise ConnectionProblem(f"{where.url} is not a valid URL (its port)") from None
    except OSError as exc:
        why = "nothing listens there" if isinstance(exc, ConnectionRefusedError) else (
            f"no answer within {CONNECT_TIMEOUT:g} s" if isinstance(exc, TimeoutError) else
            exc.strerror or type(exc).__name__)
    raise ConnectionProblem(f"cannot reach Label Studio at {where.url} ({why}); " + _what_to_do(where))


def _what_to_do(where: Target) -> str:
    if where.remote:
        return f"check that the server is up and that {URL_VAR} (or label_studio_url in the config) names it"
    return "start it with `curation server start` (see `curation server status`)"


def _refused(where: Target, exc: ApiError) -> str:
    detail = exc.body.get("detail") if isinstance(exc.body, dict) else None
    why = f"HTTP {exc.status_code}" + (f": {detail}" if detail else "")
    why = why.replace(where.api_key, "***")
    if exc.status_code in (401, 403):
        fix = f"check {KEY_VAR}" if where.remote else "check the token in the workspace's credentials.json"
        return f"Label Studio at {where.url} rejected the API key ({why}); {fix}"
    return f"Label Studio at {where.url} answered {why} to /api/current-user/whoami; is this a Label Studio server?"
