"""Reviewed labels -> versioned, immutable Hugging Face datasets (`curation export`, `curation.load`).

select (final annotation per article) -> source/parse (snapshots to records, a
chunk at a time) -> rows/tokens (the five configs, typed in features) -> write
(atomic version folder) with card and manifest; versions, verify, convert, hub
(publish) and load work on what was written.
"""

from curation.export.build import Exported, SameContent, export
from curation.export.load import load
from curation.export.verify import problems as verify

__all__ = ["Exported", "SameContent", "export", "load", "verify"]
