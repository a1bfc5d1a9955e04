"""Arrow on the C heap for an export.

pyarrow allocates from mimalloc by default, and mimalloc keeps the pages an export frees
in segments of its own, which neither Arrow's `release_unused` nor glibc's `malloc_trim`
gives back: ~70 MB of peak RSS at 10,000 articles (531 against 456-465 MB, measured; CPU
the same). On the C heap, with big blocks mapped on their own (curation.memory.map_big_blocks),
they go back as they are freed. Arrow picks its pool once, when pyarrow is first imported,
from ARROW_DEFAULT_MEMORY_POOL, so this is set before that: by `curation export` and the
benchmark before any import of pyarrow (a variable the user set wins); `build.export` also
moves pyarrow's own allocations there, for callers that imported pyarrow first.
"""

from __future__ import annotations

import os

POOL = "ARROW_DEFAULT_MEMORY_POOL"


def prefer_the_c_heap() -> None:
    """Have Arrow allocate with malloc in this process (and the processes it starts), unless told otherwise."""
    os.environ.setdefault(POOL, "system")
