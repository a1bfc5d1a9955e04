"""Errors of the server layer. Their messages are meant for the user and never hold a secret."""

from __future__ import annotations

from curation.errors import CurationError


class ServerError(CurationError, RuntimeError):
    """The embedded Label Studio could not be installed, started or stopped."""


class ConnectionProblem(ServerError):
    """A Label Studio server did not answer or refused the API key."""
