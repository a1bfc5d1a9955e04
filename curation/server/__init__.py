"""The embedded Label Studio server and connections to any Label Studio."""

from curation.server.client import ConnectionProblem, Target, connect, target
from curation.server.process import ServerState, start, status, stop

__all__ = ["ConnectionProblem", "ServerState", "Target", "connect", "start", "status", "stop", "target"]
