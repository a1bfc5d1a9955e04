"""`curation.load`: a version as a `datasets.DatasetDict`, with the plain `datasets` loader."""

from __future__ import annotations

from pathlib import Path

from datasets import DatasetDict, load_dataset

from curation.export.build import default_root
from curation.export.features import CONFIGS
from curation.export.versions import resolve
from curation.workspace import Workspace


def load(name: str, version: str = "latest", config: str = "documents", root: str | Path | None = None) -> DatasetDict:
    """Load `config` of `ROOT/NAME/VERSION` (ROOT default: `datasets/` of the workspace; "latest": newest version)."""
    if config not in CONFIGS:
        raise ValueError(f"config {config!r}: use one of {', '.join(CONFIGS)}")
    base = Path(root) if root is not None else default_root(Workspace.from_env())
    return load_dataset(str(resolve(base / name, version)), config)
