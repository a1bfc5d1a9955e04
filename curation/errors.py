"""The base of every error curation reports to its user.

A `CurationError`'s message is one line that names the file or the server and what is wrong (and, where
there is one, the fix); it never holds a secret. The CLI prints it as `error: <message>` and exits 1 in one
place (curation/cli/_app.py), so commands raise these instead of formatting their own failures.
"""

from __future__ import annotations


class CurationError(Exception):
    """A failure the user can act on, explained by its message alone."""
