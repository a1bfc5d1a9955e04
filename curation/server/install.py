"""Label Studio lives in its own virtualenv: its pins (Django, pytz<2023, ...) clash with ours.

`curation server start` creates it on first use; CI and the tests share one via
CURATION_LABEL_STUDIO_VENV so it is installed once per machine.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

from curation.workspace import Workspace

LABEL_STUDIO_VERSION = "1.23.2"


def venv_dir(ws: Workspace) -> Path:
    return Path(os.environ.get("CURATION_LABEL_STUDIO_VENV") or ws.dir / "labelstudio-venv")


def label_studio_bin(ws: Workspace, echo=print) -> Path:  # type: ignore[no-untyped-def]
    """The `label-studio` executable, installing the pinned version first if needed."""
    root = venv_dir(ws)
    exe = root / "bin" / "label-studio"
    if exe.is_file():
        return exe
    echo(f"installing label-studio=={LABEL_STUDIO_VERSION} into {root} (once; takes a minute or two)")
    venv.create(root, with_pip=True, clear=True)
    cmd = [str(root / "bin" / "python"), "-m", "pip", "install", "-q", f"label-studio=={LABEL_STUDIO_VERSION}"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0 or not exe.is_file():
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        raise RuntimeError(f"installing Label Studio into {root} failed:\n{tail}")
    return exe

