"""Whether a process lives: the one question about pids that export, train and the server share (kept apart so
that asking it imports nothing of the server's, Label Studio's SDK included)."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """True while `pid` exists (another user's process included: signalling it is refused, not unknown)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
