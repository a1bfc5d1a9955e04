"""Writing a version folder atomically: a `.partial-*` folder beside it, then one rename.

A reader sees the whole version or none of it; an export killed half-way leaves
only a `.partial-*` folder, which no command counts as a version and the next
export removes (once the process that made it is gone). An existing version is
never replaced: the rename is refused when the target exists.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from curation.errors import CurationError
from curation.pids import alive

if TYPE_CHECKING:  # pyarrow only where Parquet is written: `sha256` serves training and verify without it
    import pyarrow as pa
    import pyarrow.parquet as pq

PARTIAL = ".partial-"


class VersionExists(CurationError, FileExistsError):
    """The version folder is already there; versions are immutable."""


def sha256(path: Path) -> str:
    digest, block = hashlib.sha256(), memoryview(bytearray(1 << 20))  # one buffer, reused: not a fresh MB per read
    with path.open("rb", buffering=0) as handle:
        while n := handle.readinto(block):
            digest.update(block[:n])
    return digest.hexdigest()


def remove_stale_partials(dataset_dir: Path) -> None:
    """Remove the `.partial-VERSION-PID-*` folders of exports whose process is gone."""
    for path in dataset_dir.glob(f"{PARTIAL}*"):
        pid = path.name[len(PARTIAL):].split("-")[1]
        if not (pid.isdigit() and alive(int(pid))):
            shutil.rmtree(path, ignore_errors=True)


class VersionFolder:
    """`with VersionFolder(dataset_dir, version, options) as out: ...; out.commit()`; leaving without commit discards."""

    def __init__(self, dataset_dir: Path, version: str, options: Callable[[pa.Schema], dict[str, Any]]) -> None:
        self.final = dataset_dir / version
        self.dataset_dir = dataset_dir
        self.options = options  # ParquetWriter's options for a file of that schema
        self.writers: dict[str, pq.ParquetWriter] = {}

    def __enter__(self) -> VersionFolder:
        if self.final.exists():
            raise VersionExists(f"{self.final} exists; versions are never overwritten: choose a new version")
        self.dataset_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(self.dataset_dir)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{PARTIAL}{self.final.name}-{os.getpid()}-", dir=self.dataset_dir))
        return self

    def append(self, relative: str, table: pa.Table) -> None:
        """Append rows to a Parquet file of the version (opened on the first rows, with the table's schema).

        A split without rows gets no file: `datasets` cannot load an empty split."""
        if not table.num_rows:
            return
        if relative not in self.writers:
            import pyarrow.parquet as pq

            path = self.tmp / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[relative] = pq.ParquetWriter(path, table.schema, **self.options(table.schema))
        self.writers[relative].write_table(table)

    def close(self, relatives: list[str]) -> None:
        """Close these Parquet files (those not opened are skipped): each holds its footer's row group metadata in
        memory until closed, so files that are complete are closed at once."""
        for relative in relatives:
            if writer := self.writers.pop(relative, None):
                writer.close()

    def write_text(self, relative: str, text: str) -> None:
        (self.tmp / relative).write_text(text, encoding="utf-8")

    def close_files(self) -> dict[str, str]:
        """Close the Parquet files; returns the sha256 of every file written so far, by relative path."""
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()
        return {p.relative_to(self.tmp).as_posix(): sha256(p) for p in sorted(self.tmp.rglob("*")) if p.is_file()}

    def commit(self) -> Path:
        for path in self.tmp.rglob("*"):
            if path.is_file():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
        os.chmod(self.tmp, 0o755 & ~current_umask())  # mkdtemp's 0700 would hide the version from others
        if self.final.exists():
            raise VersionExists(f"{self.final} appeared while exporting; versions are never overwritten")
        os.rename(self.tmp, self.final)
        fd = os.open(self.dataset_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return self.final

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Discard what was not committed, whatever failed: closing a Parquet file on a full disk fails too, and the
        folder must go all the same (it is what filled the disk)."""
        try:
            for writer in self.writers.values():
                try:
                    writer.close()
                except OSError:
                    if kind is None:
                        raise
        finally:
            self.writers.clear()
            if self.tmp.exists():
                shutil.rmtree(self.tmp, ignore_errors=True)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
