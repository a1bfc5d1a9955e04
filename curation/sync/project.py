"""The Label Studio project: created from the schema, refused when its config has drifted."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from curation.errors import CurationError
from curation.labelconfig import guidelines_html, labeling_config
from curation.workspace import Workspace


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


def ensure_project(client: LabelStudio, ws: Workspace, model_version: str | None, *, force: bool = False) -> ProjectRef:
    """Find the workspace's project (by id, else title) or create it; keep its config in step with the schema."""
    config = ws.config()
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
    settings = {"show_collab_predictions": True, "expert_instruction": guidelines_html(), "show_instruction": True}
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
    if config.project_id != project.id:
        ws.save_config(config.model_copy(update={"project_id": project.id}))
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
