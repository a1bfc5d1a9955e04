"""The workspace: a folder whose `.curation/` holds config, credentials and server state.

Everything curation writes for a project lives there (gitignored), so a
workspace can be moved or deleted as a unit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from curation.atomic import write_text_atomic


class WorkspaceConfig(BaseModel):
    """Settings kept in `.curation/config.json`; environment variables override the server ones."""

    label_studio_url: str | None = None  # None: the embedded server
    port: int = 8080
    project_title: str = "curation: claims, hedges and sources"
    project_id: int | None = None
    batch_size: int = 500


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def from_env(cls, root: Path | None = None) -> Workspace:
        return cls(Path(root or os.environ.get("CURATION_WORKSPACE") or Path.cwd()).resolve())

    @property
    def dir(self) -> Path:
        return self.root / ".curation"

    @property
    def config_path(self) -> Path:
        return self.dir / "config.json"

    @property
    def credentials_path(self) -> Path:
        return self.dir / "credentials.json"

    @property
    def labelstudio_dir(self) -> Path:
        return self.dir / "labelstudio"

    def config(self) -> WorkspaceConfig:
        if self.config_path.is_file():
            return WorkspaceConfig.model_validate_json(self.config_path.read_text(encoding="utf-8"))
        return WorkspaceConfig()

    def save_config(self, config: WorkspaceConfig) -> None:
        write_text_atomic(self.config_path, config.model_dump_json(indent=2) + "\n")
