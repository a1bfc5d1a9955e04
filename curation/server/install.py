"""Label Studio lives in a virtualenv of its own: its pins (Django, pytz<2023, ...) clash with ours.

`curation server start` creates it on first use. CURATION_LABEL_STUDIO_VENV puts
it elsewhere (CI and the test session share one, so it is installed once);
CURATION_LABEL_STUDIO_BIN uses a `label-studio` executable the user already has.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
import venv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from curation.server.errors import ServerError
from curation.workspace import Workspace

LABEL_STUDIO_VERSION = "1.23.2"
BIN_VAR = "CURATION_LABEL_STUDIO_BIN"
VENV_VAR = "CURATION_LABEL_STUDIO_VENV"
MARKER = ".curation-installed"  # written last: a venv without it is an interrupted install


def venv_dir(ws: Workspace) -> Path:
    return Path(os.environ.get(VENV_VAR) or ws.labelstudio_dir / "venv").resolve()


def label_studio_bin(ws: Workspace, echo: Callable[[str], None] = print) -> Path:
    """The `label-studio` executable, installing the pinned version first if needed."""
    if given := os.environ.get(BIN_VAR):
        exe = Path(given)
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            raise ServerError(f"{BIN_VAR}={given} is not an executable file")
        return exe
    root = venv_dir(ws)
    with _locked(root):  # two sessions installing into one venv would wreck it
        if (root / MARKER).is_file() and (root / MARKER).read_text().strip() == LABEL_STUDIO_VERSION:
            return root / "bin" / "label-studio"
        echo(f"installing label-studio=={LABEL_STUDIO_VERSION} into {root} (once; takes a minute or two) ...")
        started = time.monotonic()
        _install(root)
        echo(f"installed Label Studio in {time.monotonic() - started:.0f} s")
    return root / "bin" / "label-studio"


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.with_name(root.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _install(root: Path) -> None:
    venv.create(root, with_pip=True, clear=True)
    log = root / "pip-install.log"
    cmd = [str(root / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
           f"label-studio=={LABEL_STUDIO_VERSION}"]
    with log.open("w") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0 or not (root / "bin" / "label-studio").is_file():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ServerError(f"installing Label Studio into {root} failed (full log: {log}):\n{tail}")
    (root / MARKER).write_text(LABEL_STUDIO_VERSION + "\n")
