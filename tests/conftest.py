"""Shared test helpers: the public development data beside the project, and one real Label Studio."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
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

from curation.server import ServerError, ServerState, credentials, install, postgres, process
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs against Label Studio on a real PostgreSQL server "
                                       "(installed with apt-get when missing and root; run by default)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Whatever starts a server is marked, so `-m "not labelstudio"` runs without Label Studio."""
    for item in items:
        if "label_studio_env" in getattr(item, "fixturenames", ()):  # the closure: users of `labelstudio` too
            item.add_marker(pytest.mark.labelstudio)
        if "postgres_labelstudio" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def apt_install(*packages: str) -> None:
    """Debian packages, with apt-get, when we are root (CI's fresh machine); else nothing: the caller skips."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)


@pytest.fixture(scope="session")
def open_folders() -> Iterator[Callable[[str], Path]]:
    """`open_folders(prefix)`: a new folder that other local users may traverse (0711), removed at the end.

    pytest's own temporary folders are 0700, which would make "another user cannot read .curation/"
    true for the wrong reason; a workspace in one of these proves it by .curation/'s own modes.
    """
    made: list[Path] = []

    def make(prefix: str) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        folder.chmod(0o711)
        made.append(folder)
        return folder

    yield make
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


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
def labelstudio(label_studio_env: None, open_folders: Callable[[str], Path]) -> Iterator[LabelStudioServer]:
    """One real Label Studio for the whole session: a free port, a temporary workspace, stopped at the end."""
    ws = Workspace(open_folders("curation-tests-workspace-"))
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
def postgres_labelstudio(label_studio_env: None, open_folders: Callable[[str], Path]) -> Iterator[LabelStudioServer]:
    """A second real Label Studio, on a PostgreSQL cluster of its workspace's own (`server start --postgres`).

    Debian's postgresql is installed with apt-get when missing and we are root (without the package's
    default cluster: ours is made by curation), else the tests skip saying why. Started with umask 000,
    so tests/test_secrets.py shows its files owner-only whatever the umask.
    """
    try:
        postgres.bin_dir()
    except ServerError:
        _no_default_cluster()
        apt_install("postgresql")
        try:
            postgres.bin_dir()
        except ServerError as exc:
            pytest.skip(f"PostgreSQL is not installed and cannot be (needs root and apt-get): {exc}")
    ws = Workspace(open_folders("curation-tests-postgres-"))
    ws.save_config(WorkspaceConfig(port=process.free_port()))
    umask = os.umask(0)
    try:
        state, _ = process.start(ws, use_postgres=True)
    finally:
        os.umask(umask)
    cluster = postgres.load(ws)
    try:
        yield LabelStudioServer(ws, state)
    finally:
        process.stop(ws)
        if cluster is not None:
            postgres.remove(cluster)  # outside the workspace when we are root


def _no_default_cluster() -> None:
    """Debian's package makes and starts a `main` cluster on port 5432 unless told not to: we need none."""
    conf = Path("/etc/postgresql-common/createcluster.conf")
    if os.geteuid() == 0 and not conf.exists():
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text("create_main_cluster = false\n")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's headless-capable `chromium`: installed with apt-get when missing and we are root, else skipped."""
    path = shutil.which("chromium")
    if path is None:
        apt_install("chromium")
        path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed and cannot be (needs root and apt-get): apt-get install chromium")
    return path
