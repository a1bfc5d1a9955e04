"""Admin credentials of the embedded server: generated once, readable by their owner only."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, SecretStr, ValidationError

from curation.atomic import atomic_writer
from curation.workspace import Workspace, WorkspaceError

ADMIN_EMAIL = "admin@curation.local"
Secret = TypeVar("Secret", bound=BaseModel)


class Credentials(BaseModel):
    """`SecretStr` keeps the password and token out of reprs, logs and tracebacks."""

    username: str  # Label Studio logs in by email
    password: SecretStr
    token: SecretStr  # a legacy API token: 40 hex digits, like the ones Label Studio makes


def load(ws: Workspace) -> Credentials | None:
    """The workspace's credentials, or None before the first `curation server start`."""
    return read_secret(ws.credentials_path, Credentials, "credentials", f"; delete it only together with "
                       f"{ws.labelstudio_dir}, whose admin user it describes")


def read_secret(path: Path, model: type[Secret], what: str, advice: str = "") -> Secret | None:
    """The `model` in `path`, or None if there is no such file; a damaged one is named, with the fields to check."""
    if not path.is_file():
        return None
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "file" for e in exc.errors())
        raise WorkspaceError(f"{path}: not valid {what} (check {fields}){advice}") from None


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
