"""Finding input files and reading them safely: size, binary and encoding checks
happen here, before any parser sees the content."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from curation.models import Problem

SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}


class InputError(ValueError):
    """An input file that cannot be read as an article; `line` when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def discover(paths: Iterable[str | Path]) -> Iterator[Path | Problem]:
    """Files to ingest, in a deterministic order; hidden files and unknown types in folders are skipped."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if child.is_file() and child.suffix.lower() in SUFFIXES and not any(p.startswith(".") for p in rel):
                    yield child
        elif path.is_file():
            if path.suffix.lower() in SUFFIXES:
                yield path
            else:
                yield Problem(path=str(path), message=f"unsupported file type {path.suffix or '(none)'!r}; expected one of {', '.join(SUFFIXES)}")
        else:
            yield Problem(path=str(path), message="no such file or directory")


def read_text(path: Path, max_bytes: int) -> str:
    """The file's text, or InputError saying exactly why it cannot be an article."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit (--max-bytes)")
    data = path.read_bytes()
    if not data.strip():
        raise InputError("file is empty")
    if b"\x00" in data[:8192]:
        raise InputError("looks like a binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}; re-encode the file as UTF-8", line
        ) from None
