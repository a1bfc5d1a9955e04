"""Giving freed memory back to the operating system between the phases of a long job.

glibc keeps the freed pages of its heap mapped unless asked; `malloc_trim` returns them,
so the next phase starts from what is alive rather than from the last phase's peak:
a training's CRF data (millions of attribute references, freed when its trainer goes),
an export's chunks among its Parquet writers' growing footers. Without glibc: nothing.
"""

from __future__ import annotations

import ctypes
from functools import cache


@cache
def _trim():
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def release() -> None:
    """Return the heap's free pages to the system (glibc's `malloc_trim`)."""
    trim = _trim()
    if trim is not None:
        trim(0)
