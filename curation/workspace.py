"""The workspace: a folder whose `.curation/` holds config, credentials and server state.

Everything curation keeps for a project lives there (gitignored), so a workspace
can be moved or deleted as a unit and two projects never share a server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from curation.atomic import write_text_atomic
from curation.errors import CurationError
from curation.private import private_dir


class WorkspaceError(CurationError, RuntimeError):
    """A workspace file that cannot be used; the message names the file and what is wrong."""


class ReviewPolicy(BaseModel):
    """When a task counts as reviewed (Label Studio's open-source edition has no review workflow)."""

    accept_decision: bool = True  # an annotation carries review = accept
    ground_truth: bool = True  # an annotation is marked ground truth
    agreeing_annotators: int | None = None  # or: at least this many annotators agree ...
    agreement_threshold: float = 1.0  # ... with span F1 (exact match) at least this


class StoryRules(BaseModel):
    """When two articles are copies of one story (curation/stories; defaults measured in bench/stories.py)."""

    threshold: float = Field(0.6, gt=0, le=1)  # share of the shorter text's word shingles found in the other
    shingle_size: int = Field(5, ge=1, le=8)  # words per shingle


class WorkspaceConfig(BaseModel):
    """`.curation/config.json`. LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY in the environment win over it."""

    label_studio_url: str | None = None  # None: the embedded server on 127.0.0.1:port
    port: int = Field(8080, ge=1, le=65535)
    project_title: str = "curation: claims, hedges and sources"
    project_id: int | None = None
    batch_size: int = Field(500, ge=1)
    review: ReviewPolicy = ReviewPolicy()
    overlap: int | None = Field(None, ge=1)  # annotators per task (Label Studio's maximum_annotations); None: as is
    overlap_share: int = Field(100, ge=1, le=100)  # ... on this % of tasks, the rest get one
    stories: StoryRules = StoryRules()


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def from_env(cls, root: Path | None = None) -> Workspace:
        """`root`, else $CURATION_WORKSPACE, else the current directory."""
        return cls(Path(root or os.environ.get("CURATION_WORKSPACE") or Path.cwd()).resolve())

    @property
    def dir(self) -> Path:
        """Owner-only (0700) from first use, so nothing under it is readable by another local user."""
        return private_dir(self.root / ".curation")

    @property
    def config_path(self) -> Path:
        return self.dir / "config.json"

    @property
    def credentials_path(self) -> Path:
        return self.dir / "credentials.json"

    @property
    def labelstudio_dir(self) -> Path:
        """Label Studio's own data: SQLite database, uploads, exports, its secret key."""
        return self.dir / "labelstudio"

    @property
    def pid_path(self) -> Path:
        return self.dir / "labelstudio.pid"

    @property
    def log_path(self) -> Path:
        return self.dir / "labelstudio.log"

    def lock_path(self, operation: str) -> Path:
        """The lock one `operation` (push, pull, export) of this workspace holds while it runs."""
        return self.dir / f"{operation}.lock"

    def config(self) -> WorkspaceConfig:
        if not self.config_path.is_file():
            return WorkspaceConfig()
        fix = ("fix it, or delete it to start from the defaults (push then finds the project by its title)")
        try:
            return WorkspaceConfig.model_validate_json(self.config_path.read_bytes())
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors())
            raise WorkspaceError(f"{self.config_path}: {problems}; {fix}") from None
        except OSError as exc:
            raise WorkspaceError(f"{self.config_path}: cannot be read ({exc.strerror}); {fix}") from None

    def save_config(self, config: WorkspaceConfig) -> None:
        write_text_atomic(self.config_path, config.model_dump_json(indent=2) + "\n")
