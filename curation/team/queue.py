"""`curation review`: the tasks that need a reviewer, put before reviewers in Label Studio.

A task needs review when it is not reviewed yet and either has the annotators it was meant to get (the
workspace's overlap, else two), or its annotators disagree, or it falls in a stable random sample of the
rest (`--sample` percent, by a hash of the task id, so re-running picks the same tasks). For each, every
annotator's latest annotation is added as a prediction named `annotator:<name>` (quality.adjudicate), and a
Data Manager tab "Review queue" lists exactly these tasks. A reviewer opens a task from that tab, picks or
corrects one annotation, sets the review decision to accept and submits: that annotation, saved by a
reviewer, is the review, and `curation pull` brings it back like any other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from label_studio_sdk import LabelStudio

from curation.quality.adjudicate import adjudicate
from curation.quality.annotations import Pulled
from curation.quality.disputes import disputes
from curation.sync.review import ReviewRule, review_states

TAB = "Review queue"


@dataclass(frozen=True)
class Queued:
    task_id: int
    reason: str  # "disputed", "N annotators", "sampled"
    annotators: tuple[str, ...]  # names


def sampled(task_id: int, percent: float) -> bool:
    return int(hashlib.sha256(f"review-sample:{task_id}".encode()).hexdigest()[:8], 16) % 10_000 < percent * 100


def needing_review(pulled: Pulled, rule: ReviewRule, overlap: int, sample: float,
                   name: Callable[[int | None], str]) -> list[Queued]:
    """Unreviewed tasks that need a reviewer: disputed first (least agreement first), then those with all their
    annotators, then the sample; each once."""
    states = dict(review_states(pulled.live, rule).select("task_id", "state").iter_rows())
    open_tasks = {t: anns for t, anns in pulled.task_annotations().items() if states.get(t) in ("annotated", "rejected")}
    queue: dict[int, Queued] = {}
    for dispute in disputes({t: a for t, a in open_tasks.items() if len(a) >= 2}):
        queue[dispute.task_id] = Queued(dispute.task_id, "disputed", tuple(name(a) for a in dispute.annotators))
    for task_id, anns in sorted(open_tasks.items()):
        reason = (f"{len(anns)} annotators" if len(anns) >= max(overlap, 2) else
                  "sampled" if sampled(task_id, sample) else None)
        if reason and task_id not in queue:
            queue[task_id] = Queued(task_id, reason, tuple(name(a.annotator) for a in anns))
    return list(queue.values())


def ids_filter(task_ids: list[int]) -> dict:
    items = [{"filter": "filter:tasks:id", "operator": "equal", "type": "Number", "value": t} for t in task_ids]
    return {"conjunction": "or", "items": items or [{"filter": "filter:tasks:id", "operator": "equal",
                                                      "type": "Number", "value": -1}]}


def publish_review(client: LabelStudio, project_id: int, queue: list[Queued], pulled: Pulled,
            name: Callable[[int | None], str]) -> tuple[dict[int, int], int]:
    """Add each queued task's annotations as named predictions and point the "Review queue" tab at the queue;
    (task id -> predictions added, the tab's id)."""
    added = adjudicate(client, [q.task_id for q in queue], pulled.task_annotations(), name)
    data = {"title": TAB, "filters": ids_filter([q.task_id for q in queue]), "ordering": ["tasks:id"]}
    tab = next((v for v in client.views.list(project=project_id) if (v.data or {}).get("title") == TAB), None)
    if tab is None:
        tab = client.views.create(project=project_id, data=data)
    else:
        client.views.update(id=str(tab.id), project=project_id, data=data)
    return added, tab.id
