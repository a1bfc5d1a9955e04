"""Label Studio lives in a virtualenv of its own: its pins (Django, pytz<2023, ...) clash with ours.

`curation server start` creates it on first use. CURATION_LABEL_STUDIO_VENV puts
it elsewhere (CI and the test session share one, so it is installed once);
CURATION_LABEL_STUDIO_BIN uses a `label-studio` executable the user already has.
"""

from __future__ import annotations

import os
import subprocess
import time
import venv
from collections.abc import Callable
from pathlib import Path

from curation.server.errors import ServerError
from curation.server.locking import file_lock
from curation.workspace import Workspace

LABEL_STUDIO_VERSION = "1.23.2"
BIN_VAR = "CURATION_LABEL_STUDIO_BIN"
VENV_VAR = "CURATION_LABEL_STUDIO_VENV"


def venv_dir(ws: Workspace) -> Path:
    return Path(os.environ.get(VENV_VAR) or ws.labelstudio_dir / "venv").resolve()


def executable(ws: Workspace) -> Path:
    """Where the `label-studio` executable is (or will be, once installed)."""
    given = os.environ.get(BIN_VAR)
    return Path(given) if given else venv_dir(ws) / "bin" / "label-studio"


def interpreter(exe: Path) -> Path:
    """The program the kernel runs for `exe`: its `#!` interpreter (a console script's venv Python), else itself."""
    try:
        with exe.open("rb") as handle:
            first = handle.readline(512)
    except OSError:
        return exe.resolve()
    words = first[2:].split() if first.startswith(b"#!") else []
    return Path(os.fsdecode(words[0])).resolve() if words else exe.resolve()


def label_studio_bin(ws: Workspace, echo: Callable[[str], None] = print) -> Path:
    """The `label-studio` executable, installing the pinned version first if needed."""
    if given := os.environ.get(BIN_VAR):
        exe = Path(given)
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            raise ServerError(f"{BIN_VAR}={given} is not an executable file")
        return exe
    root = venv_dir(ws)
    with file_lock(root.with_name(root.name + ".lock")):  # two installs into one venv would wreck it
        if not installed(root):
            echo(f"installing label-studio=={LABEL_STUDIO_VERSION} into {root} (once; takes a minute or two) ...")
            started = time.monotonic()
            _install(root)
            echo(f"installed Label Studio in {time.monotonic() - started:.0f} s")
    return root / "bin" / "label-studio"


def installed(root: Path) -> bool:
    """The pinned version is in the venv. pip installs it after all its dependencies, so it comes last."""
    metadata = root.glob(f"lib/python*/site-packages/label_studio-{LABEL_STUDIO_VERSION}.dist-info")
    return (root / "bin" / "label-studio").is_file() and any(metadata)


def _install(root: Path) -> None:
    """Into an existing venv (an interrupted install resumes), else a new one; never over anything else."""
    if not (root / "pyvenv.cfg").is_file():
        if root.exists() and any(root.iterdir()):
            raise ServerError(f"{root} is neither empty nor a virtualenv; point {VENV_VAR} elsewhere")
        venv.create(root, with_pip=True)
    log = root / "pip-install.log"
    cmd = [str(root / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
           f"label-studio=={LABEL_STUDIO_VERSION}"]
    with log.open("w") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0 or not installed(root):
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ServerError(f"installing Label Studio into {root} failed (full log: {log}):\n{tail}")
