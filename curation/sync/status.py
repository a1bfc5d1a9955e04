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
from curation.sync.review import STATES, task_states
from curation.workspace import Workspace

DRAFTS = json.dumps({"filters": {"conjunction": "and", "items": [
    {"filter": "filter:tasks:draft_exists", "operator": "equal", "type": "Boolean", "value": True}]}})


@dataclass(frozen=True)
class Status:
    project_id: int
    tasks: dict[str, int]  # state -> tasks, every state of STATES
    annotators: dict[str, dict[str, int]]  # Label Studio user id -> {"submitted": n, "skipped": n}


def drafted_tasks(client: LabelStudio, project_id: int) -> set[int]:
    return {task.id for task in client.tasks.list(project=project_id, include="id", query=DRAFTS, page_size=1000)}


def project_status(client: LabelStudio, ws: Workspace, project_id: int) -> Status:
    live = snapshots.live(ws, project_id)
    states = task_states(live, ws.config().review)
    counts = Counter(states.values())
    counts["in_progress"] = len(drafted_tasks(client, project_id) - set(states))
    counts["new"] = client.projects.get(id=project_id).task_number - len(states) - counts["in_progress"]
    annotators = {
        str(row["completed_by"]): {"submitted": row["submitted"], "skipped": row["skipped"]}
        for row in live.group_by("completed_by").agg(
            (~pl.col("was_cancelled")).sum().alias("submitted"), pl.col("was_cancelled").sum().alias("skipped")
        ).sort("completed_by").iter_rows(named=True)
    }
    return Status(project_id, {state: counts.get(state, 0) for state in STATES}, annotators)
