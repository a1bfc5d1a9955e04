"""Connecting to Label Studio: the embedded server, or a remote one the user names.

LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY (the SDK's own variables) select a
remote or production server; else a `label_studio_url` in the workspace config
(with the key from LABEL_STUDIO_API_KEY); else the embedded server with the
workspace's credentials. Legacy tokens and personal access tokens (JWT refresh
tokens) both work: SDK 2.x tells them apart and trades a JWT for short-lived
access tokens at /api/token/refresh/ itself.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from curation.server import credentials
from curation.server.errors import ConnectionProblem
from curation.server.process import url_for
from curation.workspace import Workspace

RETRIES = 4  # attempts after the first, waiting 0.5, 1, 2, 4 s: a server that is just starting gets ~8 s
FIRST_DELAY = 0.5
URL_VAR = "LABEL_STUDIO_URL"
KEY_VAR = "LABEL_STUDIO_API_KEY"


@dataclass(frozen=True)
class Target:
    url: str
    api_key: str = field(repr=False)  # keep the key out of logs and tracebacks
    remote: bool = False


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
        raise ConnectionProblem(f"{source} must start with http:// or https://, not {url!r}")
    if not key:
        raise ConnectionProblem(f"{source} names a Label Studio server but {KEY_VAR} is not set; set it to your "
                                "legacy API token or personal access token (Account & Settings in Label Studio)")
    return Target(url.rstrip("/"), key, remote=True)


def connect(ws: Workspace, retries: int = RETRIES, where: Target | None = None) -> LabelStudio:
    """A checked SDK client: the server answered and accepted the key, or ConnectionProblem says why.

    A server that does not answer is retried with doubling waits. SDK errors are
    re-raised without their context, which could echo request details.
    """
    where = where or target(ws)
    try:
        client = LabelStudio(base_url=where.url, api_key=where.api_key)
    except ApiError as exc:  # a JWT that is expired or has no expiry is refused before any request
        raise ConnectionProblem(_refused(where, exc)) from None
    delay = FIRST_DELAY
    for attempt in range(retries + 1):
        try:
            client.users.whoami(request_options={"max_retries": 0})  # the retries are ours
            return client
        except httpx.TransportError:
            if attempt < retries:
                time.sleep(delay)
                delay *= 2
        except ApiError as exc:
            raise ConnectionProblem(_refused(where, exc)) from None
    raise ConnectionProblem(f"Label Studio at {where.url} is not reachable after {retries + 1} attempts; "
                            + ("is it up?" if where.remote else "is it running? (`curation server status`)"))


def _refused(where: Target, exc: ApiError) -> str:
    detail = exc.body.get("detail") if isinstance(exc.body, dict) else None
    why = f"HTTP {exc.status_code}" + (f": {detail}" if detail else "")
    why = why.replace(where.api_key, "***")
    if exc.status_code in (401, 403):
        fix = f"check {KEY_VAR}" if where.remote else "check the token in the workspace's credentials.json"
        return f"Label Studio at {where.url} rejected the API key ({why}); {fix}"
    return f"Label Studio at {where.url} answered {why} to /api/current-user/whoami; is this a Label Studio server?"
