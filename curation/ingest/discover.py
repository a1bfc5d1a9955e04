"""Finding the input files: recursive, sorted, hidden files and folders skipped."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from curation.models import Problem

SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}


def walk(folder: Path) -> Iterator[Path]:
    """Supported files under `folder` in path order, never entering hidden folders (.git, .venv...)
    nor symlinked ones (no loops)."""
    with os.scandir(folder) as scan:
        entries = sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    for entry in entries:
        path = folder / entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from walk(path)
        elif entry.is_file() and path.suffix.lower() in SUFFIXES:
            yield path


def discover(paths: Iterable[str | Path]) -> Iterator[Path | Problem]:
    """Files to ingest, in a deterministic order. Unknown types are skipped in folders but
    are a Problem when named explicitly: the user asked for that file."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from walk(path)
        elif not path.is_file():
            yield Problem(path=str(path), message="no such file or directory")
        elif path.suffix.lower() in SUFFIXES:
            yield path
        else:
            expected = ", ".join(SUFFIXES)
            yield Problem(path=str(path), message=f"unsupported file type {path.suffix or '(no suffix)'!r}; expected one of {expected}")
