"""Shared test helpers: the public development data beside the project, and one real Label Studio."""

from __future__ import annotations

import itertools
import os
import tempfile

# A Hugging Face datasets cache of this session's own: `load_dataset` on a folder must read what the test
# exported, never a cache entry an earlier run left under a reused temp path. Set before anything imports
# `datasets` (curation does, on import), which reads the variable once.
os.environ["HF_DATASETS_CACHE"] = tempfile.mkdtemp(prefix="curation-tests-hf-")
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from label_studio_sdk import LabelStudio

from curation.server import ServerState, credentials, install, process
from curation.server.users import Account, invite_user
from curation.workspace import Workspace, WorkspaceConfig

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE_ARTICLE = SHARED / "articles" / "000_ea3aae53720f8154.txt"
BENCHMARKS = SHARED / "benchmarks"


def need(path: Path) -> Path:
    """`path`, or skip the test saying which shared file is missing."""
    if not path.exists():
        pytest.skip(f"{path} is absent: this test reads the shared example/benchmark data beside the project")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Whatever starts a server is marked, so `-m "not labelstudio"` runs without Label Studio."""
    for item in items:
        if "label_studio_env" in getattr(item, "fixturenames", ()):  # the closure: users of `labelstudio` too
            item.add_marker(pytest.mark.labelstudio)


class LabelStudioServer(NamedTuple):
    """The session's server; also unpacks as `ws, state = labelstudio`."""

    workspace: Workspace
    state: ServerState

    @property
    def url(self) -> str:
        return self.state.url

    @property
    def api_key(self) -> str:
        """The admin's legacy token."""
        creds = credentials.load(self.workspace)
        assert creds is not None
        return creds.token.get_secret_value()

    @property
    def client(self) -> LabelStudio:
        return LabelStudio(base_url=self.url, api_key=self.api_key)


@pytest.fixture(scope="session")
def label_studio_env() -> Iterator[None]:
    """Servers started in tests share one Label Studio install and ignore a remote server in the environment.

    The install is $CURATION_LABEL_STUDIO_VENV, by default the project's own
    .curation/labelstudio/venv (gitignored), made on first use by the same code as
    `curation server start`; $CURATION_LABEL_STUDIO_BIN names an existing one instead.
    """
    with pytest.MonkeyPatch.context() as env:
        env.delenv("LABEL_STUDIO_URL", raising=False)
        env.delenv("LABEL_STUDIO_API_KEY", raising=False)
        env.setenv(install.VENV_VAR, str(install.venv_dir(Workspace(ROOT))))
        yield


@pytest.fixture(scope="session")
def labelstudio(label_studio_env: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioServer]:
    """One real Label Studio for the whole session: a free port, a temporary workspace, stopped at the end."""
    ws = Workspace(tmp_path_factory.mktemp("workspace"))
    ws.save_config(WorkspaceConfig(port=process.free_port()))
    state, _ = process.start(ws)
    try:
        yield LabelStudioServer(ws, state)
    finally:
        process.stop(ws)


@pytest.fixture(scope="session")
def make_annotator(labelstudio: LabelStudioServer) -> Callable[..., Account]:
    """`make_annotator("name")`: a new user of the session server's organisation, with their own legacy token.

    Emails get a serial number, so tests never collide on an address.
    """
    serial = itertools.count(1)

    def make(name: str = "annotator") -> Account:
        return invite_user(labelstudio.client, labelstudio.url, f"{name}-{next(serial)}@example.org")

    return make


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's headless-capable `chromium`: installed with apt-get when missing and we are root, else skipped."""
    import os
    import shutil
    import subprocess

    path = shutil.which("chromium")
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)
        path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed and cannot be (needs root and apt-get): apt-get install chromium")
    return path
