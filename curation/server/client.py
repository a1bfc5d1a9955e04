"""Connecting to Label Studio: the embedded server, or a remote one named by the environment.

LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY (the SDK's own variables) select a
remote or production server; else the workspace config's URL; else the
embedded server with the workspace's credentials. Legacy tokens and personal
access tokens (JWT refresh tokens) both work: the SDK tells them apart.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from curation.server import credentials
from curation.server.process import url_for
from curation.workspace import Workspace

RETRIES = 4


class ConnectionProblem(RuntimeError):
    """A Label Studio connection failure whose message is safe to print (never holds the key)."""


@dataclass(frozen=True)
class Target:
    url: str
    api_key: str

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        return f"Target(url={self.url!r}, api_key='***')"


def target(ws: Workspace) -> Target:
    url = os.environ.get("LABEL_STUDIO_URL")
    key = os.environ.get("LABEL_STUDIO_API_KEY")
    if url and key:
        return Target(url.rstrip("/"), key)
    config = ws.config()
    creds = credentials.load(ws)
    if key and config.label_studio_url:
        return Target(config.label_studio_url.rstrip("/"), key)
    if creds is None:
        raise ConnectionProblem("no Label Studio credentials: run `curation server start`, or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY")
    return Target(config.label_studio_url or url_for(config.port), creds.token.get_secret_value())


def connect(ws: Workspace, retries: int = RETRIES) -> LabelStudio:
    """A checked SDK client: the server answered and accepted the key, or ConnectionProblem says why."""
    where = target(ws)
    client = LabelStudio(base_url=where.url, api_key=where.api_key)
    delay = 0.5
    for attempt in range(retries + 1):
        try:
            client.users.whoami()
            return client
        except httpx.TransportError:
            if attempt < retries:
                time.sleep(delay)
                delay *= 2
        except ApiError as exc:  # its str() holds the request headers: never show it
            if exc.status_code in (401, 403):
                raise ConnectionProblem(f"Label Studio at {where.url} rejected the API key (HTTP {exc.status_code}); "
                                        "check LABEL_STUDIO_API_KEY or the workspace credentials") from None
            raise ConnectionProblem(f"Label Studio at {where.url} answered HTTP {exc.status_code}") from None
    raise ConnectionProblem(f"Label Studio at {where.url} is not reachable after {retries + 1} attempts; "
                            "is it running? (`curation server status`)")
