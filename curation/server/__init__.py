"""The embedded Label Studio server and connections to any Label Studio."""

from curation.server.client import Target, connect, embedded_target, target
from curation.server.errors import ConnectionProblem, ServerError
from curation.server.process import ServerState, start, status, stop

__all__ = ["ConnectionProblem", "ServerError", "ServerState", "Target", "connect", "embedded_target", "start",
           "status", "stop", "target"]
