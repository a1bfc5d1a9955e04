"""Finding the input files: recursive, sorted, hidden files and folders skipped.

A folder that cannot be listed, a broken or looping symbolic link: each is a Problem
for that entry alone, and the walk goes on."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from curation.ingest.read import os_reason
from curation.models import Problem

SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}


def unreadable(path: Path, exc: OSError) -> Problem:
    """Why `path` (whose stat just failed with `exc`) cannot be read, in words."""
    if path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        if exc.errno == errno.ELOOP:
            return Problem(path=str(path), message=f"symbolic link loop (-> {target}); skipped")
        return Problem(path=str(path), message=f"broken symbolic link (-> {target}: {os_reason(exc)}); skipped")
    return Problem(path=str(path), message=f"cannot read: {os_reason(exc)}")


def walk(folder: Path) -> Iterator[Path | Problem]:
    """Supported files under `folder` in path order, never entering hidden folders (.git, .venv...)
    nor symlinked ones (no loops)."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        yield Problem(path=str(folder), message=f"cannot read folder: {os_reason(exc)}; skipped")
        return
    for entry in entries:
        path = folder / entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from walk(path)
        elif path.suffix.lower() in SUFFIXES:
            try:
                if entry.is_file():  # from the directory listing, no system call, for plain files
                    yield path
                    continue
                mode = entry.stat().st_mode  # follows links: raises for broken and looping ones
            except OSError as exc:
                yield unreadable(path, exc)
                continue
            if not stat.S_ISDIR(mode):  # a linked folder is skipped like any symlinked folder
                yield Problem(path=str(path), message="not a regular file (a FIFO, socket or device); skipped")


def discover(paths: Iterable[str | Path]) -> Iterator[Path | Problem]:
    """Files to ingest, in a deterministic order. Unknown types are skipped in folders but
    are a Problem when named explicitly: the user asked for that file."""
    for given in paths:
        path = Path(given)
        try:
            path.stat()
        except OSError as exc:
            yield unreadable(path, exc) if path.is_symlink() else Problem(path=str(path), message="no such file or directory")
            continue
        if path.is_dir():
            yield from walk(path)
        elif path.suffix.lower() in SUFFIXES:
            yield path
        else:
            expected = ", ".join(SUFFIXES)
            yield Problem(path=str(path), message=f"unsupported file type {path.suffix or '(no suffix)'!r}; expected one of {expected}")
