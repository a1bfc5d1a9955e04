"""Pseudonymous annotator ids: a salted sha256 of the Label Studio user id.

The salt is made once per workspace and kept in `.curation/export-salt` (mode
0600), never in a dataset, so ids are stable across versions of a dataset but
cannot be turned back into users by anyone holding only the data.
"""

from __future__ import annotations

import hashlib
import os
import secrets

from curation.workspace import Workspace


def salt(ws: Workspace) -> bytes:
    """The workspace's salt, created on first use (exclusively, so two exports cannot make two)."""
    path = ws.dir / "export-salt"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_hex(32).encode())
        out.flush()
        os.fsync(out.fileno())
    return path.read_bytes()


def pseudonym(salt: bytes, user_id: int | None) -> str:
    return "annotator-" + hashlib.sha256(salt + b":" + str(user_id).encode()).hexdigest()[:16]
