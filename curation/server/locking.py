"""An advisory lock file, so two curation processes never install or start the same thing at once."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from curation.private import open_private


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed); the OS releases it if we die."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_CREAT), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
