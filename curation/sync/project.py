"""The Label Studio project: created from the schema, refused when its config has drifted; its overlap
(annotators per task) and the settings that keep annotators' work apart as far as Community allows."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from curation.errors import CurationError
from curation.labelconfig import guidelines_html, labeling_config
from curation.team.roster import record_admin
from curation.workspace import Workspace

# The annotation history panel off (Label Studio's default, made explicit): the only independence setting
# Community has; predictions stay on, since the pre-annotations are the point (see curation.team.members).
INDEPENDENT = {"show_annotation_history": False, "show_collab_predictions": True}


class ConfigDrift(CurationError, RuntimeError):
    """The server's labeling config differs from the schema's; the message holds a readable diff."""


@dataclass(frozen=True)
class ProjectRef:
    id: int
    title: str
    created: bool


def _lines(xml: str) -> list[str]:
    return [line.strip() for line in xml.strip().splitlines() if line.strip()]


def config_diff(server: str, ours: str) -> str:
    return "\n".join(difflib.unified_diff(_lines(server), _lines(ours), "label studio", "schema", lineterm=""))


@dataclass(frozen=True)
class Overlap:
    annotators: int  # per task: Label Studio's maximum_annotations
    share: int = 100  # percentage of tasks that get them (overlap_cohort_percentage); the rest get one

    def settings(self) -> dict[str, int]:
        return {"maximum_annotations": self.annotators, "overlap_cohort_percentage": self.share}


def ensure_project(client: LabelStudio, ws: Workspace, model_version: str | None, *, force: bool = False,
                   overlap: Overlap | None = None) -> ProjectRef:
    """Find the workspace's project (by id, else title) or create it; keep its config in step with the schema,
    and its overlap with `overlap` (then remembered in the workspace), else with the workspace's setting."""
    config = ws.config()
    record_admin(ws, client.users.whoami().id)
    if overlap is None and config.overlap is not None:
        overlap = Overlap(config.overlap, config.overlap_share)
    ours = labeling_config()
    project = None
    if config.project_id is not None:
        try:
            project = client.projects.get(id=config.project_id)
        except ApiError as exc:
            if exc.status_code != 404:
                raise
    if project is None:
        project = oldest_titled(client, config.project_title)
    settings = {**INDEPENDENT, "expert_instruction": guidelines_html(), "show_instruction": True,
                **(overlap.settings() if overlap else {})}
    created = project is None
    if created:
        extra = {"model_version": model_version} if model_version else {}
        project = client.projects.create(title=config.project_title, label_config=ours, **settings, **extra)
        first = oldest_titled(client, config.project_title)
        if first is not None and first.id != project.id:  # another workspace made it at the same moment: theirs stays
            client.projects.delete(id=project.id)
            project, created = first, False
    else:
        diff = config_diff(project.label_config or "", ours)
        if diff and not force:
            raise ConfigDrift(f"project {project.id}'s labeling config differs from the schema (use --force to replace it;"
                              f" Label Studio refuses changes that would break existing annotations):\n{diff}")
        client.projects.update(id=project.id, **({"label_config": ours} if diff else {}), **settings)
        if model_version:
            show_predictions(client, project.id, model_version)
    remembered = {"overlap": overlap.annotators, "overlap_share": overlap.share} if overlap else {}
    if config.project_id != project.id or any(getattr(config, k) != v for k, v in remembered.items()):
        ws.save_config(config.model_copy(update={"project_id": project.id, **remembered}))
    return ProjectRef(id=project.id, title=project.title, created=created)


def oldest_titled(client: LabelStudio, title: str):  # type: ignore[no-untyped-def]
    """The oldest project of this title: the one two workspaces creating it at once both keep."""
    return min((p for p in client.projects.list() if p.title == title), key=lambda p: p.id, default=None)


def show_predictions(client: LabelStudio, project_id: int, model_version: str) -> bool:
    """Make annotators see `model_version`'s predictions. Label Studio refuses a version no task has a
    prediction of yet (False): call again once they are imported."""
    try:
        client.projects.update(id=project_id, model_version=model_version)
    except ApiError as exc:  # never printed: its text carries request headers
        if exc.status_code == 400:
            return False
        raise
    return True


def waiting_for_overlap(client: LabelStudio, project_id: int) -> int:
    """Tasks that have some annotations but fewer than the annotators they are meant to get (their overlap)."""
    tasks = client.tasks.list(project=project_id, include="id,overlap,total_annotations", page_size=1000)
    return sum(1 for t in tasks if 0 < (t.total_annotations or 0) < (t.overlap or 1))
