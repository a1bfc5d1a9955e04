"""Advisory file locks (the `filelock` library), so two curation processes never do the same thing at once.

The holder writes its pid and start time into the lock file once it holds the lock
(filelock opens the file without truncating it, so a waiting process never wipes
that record): a process that finds the lock taken can say who holds it. The OS
releases the lock when its holder dies, so a killed command never leaves a stale one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from curation.errors import CurationError
from curation.private import FILE_MODE


class Busy(CurationError):
    """Another process holds the lock; the message names it and says how to wait."""


def _record_holder(fd: int) -> None:
    since = datetime.now(timezone.utc).isoformat(timespec="seconds")
    os.fchmod(fd, FILE_MODE)  # a lock file an older version made wider is narrowed (filelock only sets new ones)
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": since}).encode(), 0)


def holder(path: Path) -> str:
    """Who holds the lock at `path`, as "pid N, since T", from what the holder recorded."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {int(info['pid'])}, since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


@contextmanager
def file_lock(path: Path, *, wait: bool = True, what: str = "curation command") -> Iterator[None]:
    """Hold an exclusive lock on `path` (created 0600 if needed). With `wait` off, raise Busy at once if another
    process holds it, naming that process."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, mode=FILE_MODE, on_acquired=_record_holder)
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout:
        raise Busy(f"another {what} is running ({holder(path)}); let it finish, or pass --wait to queue behind it"
                   ) from None
    try:
        yield
    finally:
        lock.release()
