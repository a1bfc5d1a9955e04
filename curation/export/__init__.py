"""Reviewed labels -> versioned, immutable Hugging Face datasets (`curation export`, `curation.load`).

select (final annotation per article) -> source/parse (snapshots to records, a
chunk at a time) -> rows/tokens (the five configs, typed in features) -> write
(atomic version folder) with card and manifest; versions, verify, convert, hub
(publish) and load work on what was written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from curation.lazy import lazy_names

# public name -> (module, name there), imported on first use: the light modules other stages share (tokens,
# write, manifest, source) must not pull in `datasets` and pandas (~150 MB, ~1.5 s) through this package
_NAMES = {"Exported": ("curation.export.build", "Exported"), "SameContent": ("curation.export.build", "SameContent"),
          "export": ("curation.export.build", "export"), "load": ("curation.export.loading", "load"),
          "verify": ("curation.export.verification", "problems")}

__all__ = ["Exported", "SameContent", "export", "load", "verify"]

if TYPE_CHECKING:
    from curation.export.build import Exported, SameContent, export
    from curation.export.loading import load
    from curation.export.verification import problems as verify

__getattr__ = lazy_names(__name__, _NAMES)
