"""`curation adjudicate`: disputed tasks prepared for a reviewer, in the same project.

Each competing annotation is added to its task as a prediction whose
model_version is `annotator:<pseudonym>` (the export's salted pseudonym), so the
reviewer sees who said what without user names, picks or corrects one in Label
Studio and submits it with the review decision `accept`; after `curation pull`
that accepted annotation is the task's final one. The source annotations are
never touched: task and pseudonym lead back to the annotator's latest annotation of
the task. Running it again adds nothing that is already there.
"""

from __future__ import annotations

from label_studio_sdk import LabelStudio

from curation.export.pseudonyms import pseudonym, salt
from curation.quality.annotations import Annotation
from curation.quality.disputes import TaskDispute
from curation.tasks import document_result
from curation.workspace import Workspace

PREFIX = "annotator:"


def competing(anns: list[Annotation], key: bytes) -> dict[str, list[dict]]:
    """model_version -> the annotation's regions, attributes and relations (not its review decision), per annotator."""
    return {f"{PREFIX}{pseudonym(key, a.annotator)}": document_result(a.doc) for a in anns}


def adjudicate(client: LabelStudio, ws: Workspace, found: list[TaskDispute], tasks: dict[int, list[Annotation]]) -> dict[int, int]:
    """Add the competing annotations of each disputed task as predictions; task id -> predictions added."""
    key = salt(ws)
    added = {}
    for dispute in found:
        there = {p.model_version for p in client.predictions.list(task=dispute.task_id)}
        new = {v: r for v, r in competing(tasks[dispute.task_id], key).items() if v not in there}
        for version, result in new.items():
            client.predictions.create(task=dispute.task_id, result=result, model_version=version, score=1.0)
        added[dispute.task_id] = len(new)
    return added
