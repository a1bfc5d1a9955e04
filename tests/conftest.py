"""Shared test helpers: where the public development data lives, and skipping without it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE_ARTICLE = SHARED / "articles" / "000_ea3aae53720f8154.txt"
BENCHMARKS = SHARED / "benchmarks"


def need(path: Path) -> Path:
    """`path`, or skip the test saying which shared file is missing."""
    if not path.exists():
        pytest.skip(f"{path} is absent: this test reads the shared example/benchmark data beside the project")
    return path


@pytest.fixture(scope="session")
def labelstudio(tmp_path_factory: pytest.TempPathFactory):
    """One real Label Studio for the test session: free port, temporary data, stopped at the end.

    Label Studio is installed once into CURATION_LABEL_STUDIO_VENV (default: the
    project's .curation/labelstudio-venv, gitignored) by the same code as `curation server start`.
    """
    import os
    import socket

    from curation.server import process
    from curation.workspace import Workspace, WorkspaceConfig

    os.environ.setdefault("CURATION_LABEL_STUDIO_VENV", str(ROOT / ".curation" / "labelstudio-venv"))
    for var in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        os.environ.pop(var, None)  # the tests talk to their own server only
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ws = Workspace(tmp_path_factory.mktemp("workspace"))
    ws.save_config(WorkspaceConfig(port=port))
    state, _ = process.start(ws)
    yield ws, state
    process.stop(ws)
