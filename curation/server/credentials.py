"""Admin credentials of the embedded server: generated once, kept owner-readable only."""

from __future__ import annotations

import json
import os
import secrets

from pydantic import BaseModel, SecretStr

from curation.atomic import atomic_writer
from curation.workspace import Workspace


class Credentials(BaseModel):
    """`SecretStr` keeps password and token out of reprs, logs and tracebacks."""

    username: str
    password: SecretStr
    token: SecretStr


def load(ws: Workspace) -> Credentials | None:
    if not ws.credentials_path.is_file():
        return None
    return Credentials.model_validate_json(ws.credentials_path.read_text(encoding="utf-8"))


def create(ws: Workspace) -> Credentials:
    """New admin credentials, written with mode 0600 before anything uses them."""
    creds = Credentials(
        username="admin@curation.local", password=SecretStr(secrets.token_urlsafe(18)), token=SecretStr(secrets.token_hex(20))
    )
    ws.dir.mkdir(parents=True, exist_ok=True)
    old_umask = os.umask(0o077)
    try:
        with atomic_writer(ws.credentials_path) as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump({"username": creds.username, "password": creds.password.get_secret_value(),
                       "token": creds.token.get_secret_value()}, handle, indent=2)
    finally:
        os.umask(old_umask)
    return creds
