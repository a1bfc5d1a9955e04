"""Where the work stands: tasks per review state and annotations per annotator.

States of annotated tasks come from the pulled snapshots (`review.task_states`);
the two states without annotations need the server, and only two cheap calls:
the project's task count, and the tasks holding a draft (Label Studio saves one
while an annotator works on a task).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import polars as pl
from label_studio_sdk import LabelStudio

from curation.sync import snapshots
from curation.sync.project import waiting_for_overlap
from curation.sync.review import STATES, flagged, states_of
from curation.team.roster import names, review_rule
from curation.workspace import Workspace

DRAFTS = json.dumps({"filters": {"conjunction": "and", "items": [
    {"filter": "filter:tasks:draft_exists", "operator": "equal", "type": "Boolean", "value": True}]}})


@dataclass(frozen=True)
class Status:
    project_id: int
    tasks: dict[str, int]  # state -> tasks, every state of STATES
    annotators: dict[str, dict[str, int]]  # annotator's name (curation.team) -> {"submitted": n, "skipped": n}
    self_accepted: int = 0  # tasks whose only accepts are self-accepts: not reviewed
    waiting_for_overlap: int = 0  # tasks with fewer annotations than their overlap asks for


def drafted_tasks(client: LabelStudio, project_id: int) -> set[int]:
    return {task.id for task in client.tasks.list(project=project_id, include="id", query=DRAFTS, page_size=1000)}


def project_status(client: LabelStudio, ws: Workspace, project_id: int) -> Status:
    live = snapshots.live(ws, project_id)
    frame = flagged(live, review_rule(ws))  # `author`: who saved it, unless a reviewer saved it on their behalf
    reviewed = states_of(frame)
    states = dict(reviewed.select("task_id", "state").iter_rows())
    counts = Counter(states.values())
    counts["in_progress"] = len(drafted_tasks(client, project_id) - set(states))
    counts["new"] = client.projects.get(id=project_id).task_number - len(states) - counts["in_progress"]
    name = names(ws)
    annotators = {
        name(row["author"]): {"submitted": row["submitted"], "skipped": row["skipped"]}
        for row in frame.group_by("author").agg(
            (~pl.col("was_cancelled")).sum().alias("submitted"), pl.col("was_cancelled").sum().alias("skipped")
        ).sort("author").iter_rows(named=True)
    }
    waiting = waiting_for_overlap(client, project_id) if (ws.config().overlap or 1) > 1 else 0
    return Status(project_id, {state: counts.get(state, 0) for state in STATES}, annotators,
                  self_accepted=int(reviewed["self_accepted"].sum()), waiting_for_overlap=waiting)
