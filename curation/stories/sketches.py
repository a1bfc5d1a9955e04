"""datasketch, imported without the `scipy.integrate` it does not need here.

datasketch's `lsh.py` and `lsh_bloom.py` import `scipy.integrate.quad` at the top for `_optimal_param`
(the bands that fit a threshold), which runs only when an index is made without `params`; curation
always passes its own bands. That import is ~0.5 CPU s (scipy.integrate pulls in much of scipy and a
clone of numpy's namespace): a sixth of what near-duplicate detection adds to `curation tasks` on
10,000 articles. So while datasketch is imported, `scipy.integrate` is a stand-in whose `quad` imports
the real one on its first call and hands over: datasketch behaves as before, and pays for
scipy.integrate only if it uses it. Nothing of datasketch is changed or copied.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

INTEGRATE = "scipy.integrate"


def _quad(*args: Any, **kwargs: Any) -> Any:
    """scipy.integrate.quad, imported when first called (the stand-in is gone from sys.modules by then)."""
    from scipy.integrate import quad

    return quad(*args, **kwargs)


def _import() -> ModuleType:
    if "datasketch" in sys.modules or INTEGRATE in sys.modules:
        import datasketch

        return datasketch
    stand_in = ModuleType(INTEGRATE)
    stand_in.quad = _quad  # type: ignore[attr-defined]
    sys.modules[INTEGRATE] = stand_in
    try:
        import datasketch
    finally:
        if sys.modules.get(INTEGRATE) is stand_in:
            del sys.modules[INTEGRATE]
    return datasketch


_datasketch = _import()
MinHash, MinHashLSH = _datasketch.MinHash, _datasketch.MinHashLSH
