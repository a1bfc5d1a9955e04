"""Owner-only folders and files: what is under `.curation/` is no other local user's business.

A folder of mode 0700 keeps every file below it from other users whatever that
file's own mode, so `.curation/` itself being 0700 is the guarantee, whichever
part of curation (or Label Studio) wrote the file and whatever the umask was.
Secret files are 0600 as well, for when a folder is copied or its mode loosened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """`path` as an owner-only folder: made 0700 when its parent exists, narrowed to 0700 when it is wider.

    Made with mkdir, never `parents=True`: a workspace folder that does not exist stays absent.
    """
    if not path.exists():
        if not path.parent.is_dir():
            return path
        try:
            path.mkdir(mode=DIR_MODE)  # the umask can only narrow this
        except FileExistsError:
            pass
    _narrow(path, path.stat())
    return path


def make_private(root: Path) -> None:
    """No group or other bits on anything under `root`: narrows what older versions made world-readable."""
    for folder, dirs, files in os.walk(root):
        for name in [".", *dirs, *files]:
            path = Path(folder, name)
            info = path.lstat()
            if not stat.S_ISLNK(info.st_mode):  # chmod would follow a link out of the tree
                _narrow(path, info)


def _narrow(path: Path, info: os.stat_result) -> None:
    """Drop group and other permissions, where there are any and the file is ours to change."""
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077 and info.st_uid == os.geteuid():
        path.chmod(mode & 0o700)


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND) -> int:
    """A file descriptor on `path`, created 0600 (and narrowed to 0600 if it exists wider)."""
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd
