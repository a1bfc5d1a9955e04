"""Loopback ports: which are free, and which process listens on one (read from procfs, Linux)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

LISTEN = "0A"  # TCP state code in /proc/net/tcp


def url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port: int) -> bool:
    """Binding is the real test: it also sees servers on 0.0.0.0, which a connect to 127.0.0.1 may miss."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def listens(pid: int, port: int) -> bool:
    """Process `pid` holds a socket listening on TCP `port` (any address)."""
    sockets = _listening_sockets(port)
    if not sockets:
        return False
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in sockets:
                return True
        except OSError:
            continue  # closed meanwhile
    return False


def _listening_sockets(port: int) -> set[str]:
    """`socket:[inode]` of every socket listening on `port`, as /proc/PID/fd links name them."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(f"socket:[{fields[9]}]")
    return found
