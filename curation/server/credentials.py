"""Admin credentials of the embedded server: generated once, readable by their owner only."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from pydantic import BaseModel, SecretStr, ValidationError

from curation.atomic import atomic_writer
from curation.workspace import Workspace, WorkspaceError

ADMIN_EMAIL = "admin@curation.local"


class Credentials(BaseModel):
    """`SecretStr` keeps the password and token out of reprs, logs and tracebacks."""

    username: str  # Label Studio logs in by email
    password: SecretStr
    token: SecretStr  # a legacy API token: 40 hex digits, like the ones Label Studio makes


def load(ws: Workspace) -> Credentials | None:
    """The workspace's credentials, or None before the first `curation server start`."""
    path = ws.credentials_path
    if not path.is_file():
        return None
    try:
        return Credentials.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "file" for e in exc.errors())
        raise WorkspaceError(f"{path}: not valid credentials (check {fields}); delete it only together "
                             f"with {ws.labelstudio_dir}, whose admin user it describes") from None


def create(ws: Workspace) -> Credentials:
    """New admin credentials, on disk with mode 0600 before any secret is written."""
    creds = Credentials(username=ADMIN_EMAIL, password=SecretStr(secrets.token_urlsafe(18)),
                        token=SecretStr(secrets.token_hex(20)))
    write_secret(ws.credentials_path, {"username": creds.username, "password": creds.password.get_secret_value(),
                                       "token": creds.token.get_secret_value()})
    return creds


def write_secret(path: Path, plain: dict[str, object]) -> None:
    """`plain` as JSON in `path`, atomically, mode 0600 before any secret is written."""
    with atomic_writer(path) as handle:
        os.fchmod(handle.fileno(), 0o600)
        json.dump(plain, handle, indent=2)
