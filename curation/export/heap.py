"""Arrow on the C heap, and polars' heap given back, for an export.

pyarrow allocates from mimalloc by default, and mimalloc keeps the pages an export frees
in segments of its own, which neither Arrow's `release_unused` nor glibc's `malloc_trim`
gives back: ~70 MB of peak RSS at 10,000 articles (531 against 456-465 MB, measured; CPU
the same). On the C heap, with big blocks mapped on their own (curation.memory.map_big_blocks),
they go back as they are freed. Arrow picks its pool once, when pyarrow is first imported,
from ARROW_DEFAULT_MEMORY_POOL, so this is set before that: by `curation export` and the
benchmark before any import of pyarrow (a variable the user set wins); `build.export` also
moves pyarrow's own allocations there, for callers that imported pyarrow first.

polars allocates from a jemalloc of its own, which keeps freed pages until its decay time
has passed *and* polars allocates again: the selection's pages (polars) then stay for the
whole chunk phase (no polars there), ~45 MB at 100,000 articles and nothing at 10,000, the
one part of the peak that grew with the number of articles. Told to decay at once (its
MALLOC_CONF, read when polars is first imported), it hands them back as they are freed.
"""

from __future__ import annotations

import os

POOL = "ARROW_DEFAULT_MEMORY_POOL"
POLARS_JEMALLOC = "_RJEM_MALLOC_CONF"  # polars' jemalloc (tikv-jemallocator) reads its MALLOC_CONF from here
RETURN_AT_ONCE = "dirty_decay_ms:0,muzzy_decay_ms:0"


def prefer_the_c_heap() -> None:
    """Have Arrow allocate with malloc, and polars' jemalloc return freed pages at once, in this process (and the
    processes it starts), unless told otherwise."""
    os.environ.setdefault(POOL, "system")
    os.environ.setdefault(POLARS_JEMALLOC, RETURN_AT_ONCE)
