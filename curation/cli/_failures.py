"""Failures every command can meet that are not curation's own errors: a failing server, a full disk.

`server_failures` wraps the part of a command that talks to Label Studio and says what
happened to the work (stored or not, how to resume). `known_failure` is what the root
command (`_app.CurationGroup`) prints for any other exception: a `CurationError`'s
message, a server failure or an OSError in one line naming the server or the file;
None for a bug.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager


def _server_failure(exc: BaseException, during: str) -> str | None:
    """What went wrong talking to the server during `during`, without the exception's text (an ApiError's holds
    request headers); None if `exc` is not a server failure."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    if isinstance(exc, ApiError):
        return f"Label Studio answered HTTP {exc.status_code}{during}"
    if isinstance(exc, httpx.HTTPError):
        return f"Label Studio stopped answering{during} ({type(exc).__name__})"
    return None


@contextmanager
def server_failures(during: str, outcome: str) -> Iterator[None]:
    """A server that fails during `during` ("the pull") becomes "Label Studio ... during the pull; `outcome`"."""
    try:
        yield
    except Exception as exc:
        if (what := _server_failure(exc, f" during {during}")) is None:
            raise
        from curation.cli._app import fail

        raise fail(f"{what}; {outcome}") from None


def disk_failure(exc: OSError, target: object = None) -> str:
    """One line for a failed write or read: what, and which file (`target` when the error does not say)."""
    name = exc.filename or target
    where = f" writing {name}" if name else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the device{where}; nothing half-written was kept: free some space and run it again"
    return f"{exc.strerror or exc}" + (f": {name}" if name else "")


def known_failure(exc: Exception) -> str | None:
    """The one line for a failure any command can meet, or None for a bug."""
    from curation.errors import CurationError

    if isinstance(exc, CurationError):
        return str(exc)
    if isinstance(exc, OSError):
        return disk_failure(exc)
    if (what := _server_failure(exc, "")) is not None:
        return f"{what}; run the command again once the server is back"
    return None
