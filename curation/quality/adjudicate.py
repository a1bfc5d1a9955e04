"""`curation adjudicate`: disputed tasks prepared for a reviewer, in the same project.

Each competing annotation is added to its task as a prediction whose
model_version is `annotator:<name>` (the member's name or e-mail from the team
roster: reviewers are maintainers' colleagues, and the server already knows
everyone's address), so the reviewer sees who said what, picks or corrects one in
Label Studio and submits it with the review decision `accept`; after `curation
pull` that accepted annotation is the task's final one. The source annotations
are never touched: task and name lead back to the annotator's latest annotation
of the task. Running it again adds nothing that is already there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from label_studio_sdk import LabelStudio

from curation.quality.annotations import Annotation
from curation.tasks import document_result

PREFIX = "annotator:"


def competing(anns: list[Annotation], name: Callable[[int | None], str]) -> dict[str, list[dict]]:
    """model_version -> the annotation's regions, attributes and relations (not its review decision), per annotator."""
    return {f"{PREFIX}{name(a.annotator)}": document_result(a.doc) for a in anns}


def adjudicate(client: LabelStudio, task_ids: Iterable[int], tasks: dict[int, list[Annotation]],
               name: Callable[[int | None], str]) -> dict[int, int]:
    """Add the competing annotations of each of `task_ids` as predictions; task id -> predictions added."""
    added = {}
    for task_id in task_ids:
        there = {p.model_version for p in client.predictions.list(task=task_id)}
        new = {v: r for v, r in competing(tasks[task_id], name).items() if v not in there}
        for version, result in new.items():
            client.predictions.create(task=task_id, result=result, model_version=version, score=1.0)
        added[task_id] = len(new)
    return added
