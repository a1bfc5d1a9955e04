"""Giving freed memory back to the operating system between the phases of a long job.

glibc keeps the freed pages of its heap mapped unless asked; `malloc_trim` returns them,
so the next phase starts from what is alive rather than from the last phase's peak:
a training's CRF data (millions of attribute references, freed when its trainer goes),
an export's selection before its chunks. A job that repeats one phase (an export's
chunks) maps its big blocks instead (`map_big_blocks`). Without glibc: nothing.
"""

from __future__ import annotations

import ctypes
from functools import cache

M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
BIG = 1 << 20


@cache
def _glibc(name: str):
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def release() -> None:
    """Return the heap's free pages to the system (glibc's `malloc_trim`)."""
    trim = _glibc("malloc_trim")
    if trim is not None:
        trim(0)


def map_big_blocks(size: int = BIG) -> None:
    """From now on, in this process, serve every allocation of `size` bytes or more by a mapping of its own, unmapped
    when freed (glibc's M_MMAP_THRESHOLD, fixed).

    By default glibc raises that threshold to the size of each such block freed, up to 32 MiB, so the blocks an
    export makes for every chunk (Arrow buffers, numpy arrays, bucket files) soon come from the heap instead, and
    the holes they leave among longer-lived blocks add up chunk after chunk: peak RSS grew 6% from 10,000 to 100,000
    articles with a trim after every chunk, whose refaults cost ~1.4 CPU s per 10,000. Fixed, the mapping's faults
    cost about as much, and the peak is lower and flatter (see docs/export.md)."""
    mallopt = _glibc("mallopt")
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, size)
