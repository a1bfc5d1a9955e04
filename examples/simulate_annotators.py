"""Three simulated annotators on the example articles, so `curation agreement` and `curation report`
have something to show before real people have annotated.

    curation server start && curation push examples/articles
    python examples/simulate_annotators.py          # then: curation pull; curation agreement; curation report -o report/

Each starts from the task's prediction, as annotators in Label Studio do, and departs from it in
its own way: `reviewer` keeps every region and accepts the task; `strict` deletes hedges scored
below 0.7 and the relations that used them; `quick` marks every second claim's check-worthiness
`unsure` and skips the last task. The figures are therefore of the pre-annotator's own regions,
lightly disturbed: a demonstration of the commands, not a measurement of people. They join the
workspace's team (reviewer, annotator, annotator) so the commands show their names, but they cannot
log in and their work is written through the admin's API: the admin saved it, so `reviewer`'s accepts
count as reviews. Real people join with `curation team add` (README, "A real team").
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from curation.server import connect, target
from curation.team import members
from curation.workspace import Workspace

REVIEW = {"id": "review", "from_name": "review", "to_name": "text", "type": "choices", "value": {"choices": ["accept"]}}


def strict(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
    weak = {r["id"] for r in result if r["type"] == "labels" and r["value"]["labels"] == ["HEDGE"]
            and r.get("score", 1.0) < 0.7}
    return [r for r in result if r.get("id") not in weak and not {r.get("from_id"), r.get("to_id")} & weak]


def quick(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
    claims = [r["id"] for r in result if r["type"] == "labels" and r["value"]["labels"] == ["CLAIM"]]
    unsure = set(claims[1::2])
    return [{**r, "value": {**r["value"], "choices": ["unsure"]}}
            if r["type"] == "choices" and r["from_name"] == "check_worthiness" and r["id"] in unsure else r
            for r in result]


def main(root: Path) -> None:
    ws = Workspace.from_env(root)
    client = connect(ws)
    project_id = ws.config().project_id
    if project_id is None:
        sys.exit("no project yet: run `curation push examples/articles` first")
    people = {}
    for name, role in (("reviewer", "reviewer"), ("strict", "annotator"), ("quick", "annotator")):
        email = f"example-{name}@example.org"
        client.users.create(username=f"example-{name}", email=email)
        people[name] = members.add_member(client, target(ws).url, ws, email, role, f"Example {name.title()}").member.user_id
    tasks = sorted(client.tasks.list(project=project_id, fields="all"), key=lambda t: t.id)
    for i, task in enumerate(tasks):
        predicted = [dict(r) for r in task.predictions[0].result] if task.predictions else []
        client.annotations.create(id=task.id, result=predicted + [REVIEW], completed_by=people["reviewer"], lead_time=90.0)
        client.annotations.create(id=task.id, result=strict(predicted), completed_by=people["strict"], lead_time=120.0)
        if i == len(tasks) - 1:
            client.annotations.create(id=task.id, result=[], was_cancelled=True, completed_by=people["quick"])
        else:
            client.annotations.create(id=task.id, result=quick(predicted), completed_by=people["quick"], lead_time=45.0)
    print(f"annotated {len(tasks)} tasks as {', '.join(people)}; now run `curation pull`")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
