"""Where the work stands: tasks per review state and annotations per annotator.

By default everything comes from the last pull, with no server needed: states of
annotated tasks from the snapshots (`review.states_of`), the number of tasks from
the pull's watermarks (one per task the project held). `live` asks the server for
what only it knows, in cheap calls: the project's task count now, the tasks holding
a draft (Label Studio saves one while an annotator works on a task), which is the
`in_progress` state, and the tasks waiting for more annotators (overlap). Without
it those two are unknown (None) and tasks in progress count as `new`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import polars as pl

from curation.sync import snapshots
from curation.sync.project import waiting_for_overlap
from curation.sync.pull import read_watermarks, watermark_path
from curation.sync.review import STATES, flagged, states_of
from curation.team.roster import names, review_rule
from curation.workspace import Workspace, WorkspaceError

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

DRAFTS = json.dumps({"filters": {"conjunction": "and", "items": [
    {"filter": "filter:tasks:draft_exists", "operator": "equal", "type": "Boolean", "value": True}]}})


@dataclass(frozen=True)
class Status:
    project_id: int
    tasks: dict[str, int | None]  # state -> tasks, every state of STATES (in_progress None unless live)
    annotators: dict[str, dict[str, int]]  # annotator's name (curation.team) -> {"submitted": n, "skipped": n}
    pulled_at: str  # when the last pull finished (UTC, ISO 8601)
    live: bool  # whether the server was asked for task counts, drafts and overlap
    self_accepted: int = 0  # tasks whose only accepts are self-accepts: not reviewed
    waiting_for_overlap: int | None = None  # tasks with fewer annotations than their overlap asks for (live only)


def drafted_tasks(client: LabelStudio, project_id: int) -> set[int]:
    return {task.id for task in client.tasks.list(project=project_id, include="id", query=DRAFTS, page_size=1000)}


def last_pull(ws: Workspace, project_id: int) -> tuple[str, int]:
    """When the last pull finished, and how many tasks the project then held."""
    path = watermark_path(ws, project_id)
    if not path.is_file():
        raise WorkspaceError(f"{path}: no pull yet: run `curation pull` (or `curation status --live`)")
    finished = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    return finished, len(read_watermarks(ws, project_id))


def project_status(ws: Workspace, project_id: int, client: LabelStudio | None = None) -> Status:
    """The status from the last pull; with `client`, task counts, drafts and overlap live from the server."""
    pulled_at, total = last_pull(ws, project_id)
    live = snapshots.live(ws, project_id)
    frame = flagged(live, review_rule(ws))  # `author`: who saved it, unless a reviewer saved it on their behalf
    reviewed = states_of(frame)
    states = dict(reviewed.select("task_id", "state").iter_rows())
    counts: Counter[str] = Counter(states.values())
    in_progress = waiting = None
    if client is not None:
        in_progress = len(drafted_tasks(client, project_id) - set(states))
        total = client.projects.get(id=project_id).task_number
        waiting = waiting_for_overlap(client, project_id) if (ws.config().overlap or 1) > 1 else 0
    counts["new"] = total - len(states) - (in_progress or 0)
    name = names(ws)
    annotators = {
        name(row["author"]): {"submitted": row["submitted"], "skipped": row["skipped"]}
        for row in frame.group_by("author").agg(
            (~pl.col("was_cancelled")).sum().alias("submitted"), pl.col("was_cancelled").sum().alias("skipped")
        ).sort("author").iter_rows(named=True)
    }
    tasks = {state: in_progress if state == "in_progress" else counts.get(state, 0) for state in STATES}
    return Status(project_id, tasks, annotators, pulled_at, client is not None,
                  self_accepted=int(reviewed["self_accepted"].sum()), waiting_for_overlap=waiting)
