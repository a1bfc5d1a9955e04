"""Stories against a real Label Studio: a syndicated copy linked to its story, a copy annotated, a revision
superseding its older task, story ids in task data, snapshots and every exported row, and splits by story
that hold across versions."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.export import export, verify
from curation.export.layout import split_files
from curation.server import connect
from curation.stories import registry
from curation.sync import snapshots
from curation.sync.pull import pull
from tests.conftest import EXAMPLE_ARTICLE, need
from tests.test_export import review
from tests.test_sync import fresh_project

pytestmark = pytest.mark.labelstudio
runner = CliRunner()
BUDGET = ("The city council approved a budget of 40 million dollars for road repairs on Monday, the mayor said. "
          "Officials expect the work to start in the spring and to last about two years.\n\n"
          "Residents of the northern districts, where the roads are in the worst state, welcomed the plan but said "
          "they had been promised repairs before.")


def syndicated_copy(original: str) -> str:
    """The example article as another outlet runs it: new headline, its own URL, one sentence reworded."""
    assert "Seoul's defense minister said Tuesday" in original
    return (original.replace("N. Korean Soldiers 'Highly Likely' Killed in Ukraine – Seoul",
                             "South Korea says North Korean troops probably killed fighting for Russia")
            .replace("Seoul's defense minister said Tuesday", "South Korea's defence minister told reporters on Tuesday")
            .replace("https://www.themoscowtimes.com", "https://www.example-daily.com"))


def push(ws, folder: Path, *extra: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["push", str(folder), "--workspace", str(ws.root), "--no-predictions", *extra])
    assert result.exit_code == 0, result.output
    return result


def tasks_of(ws) -> list:  # type: ignore[no-untyped-def]
    return sorted(connect(ws).tasks.list(project=ws.config().project_id, fields="all"), key=lambda t: t.id)


@pytest.fixture(scope="module")
def project(labelstudio, tmp_path_factory):
    """The example article and a syndicated copy of it pushed with the default --copies link."""
    ws = fresh_project(labelstudio[0], "stories")
    folder = tmp_path_factory.mktemp("wire")
    original = need(EXAMPLE_ARTICLE).read_text(encoding="utf-8")
    (folder / "a.txt").write_text(original, encoding="utf-8")
    (folder / "b.txt").write_text(syndicated_copy(original), encoding="utf-8")
    first = push(ws, folder)
    return ws, folder, first


def test_a_linked_copy_is_reported_recorded_and_shown_on_its_story_task(project):
    ws, folder, first = project
    (line,) = [l for l in first.stderr.splitlines() if "near-duplicate" in l]
    a, b = folder / "a.txt", folder / "b.txt"
    assert line.startswith(f"{b}: warning: near-duplicate (0.") and f" of {a}, story st_" in line
    assert "imported 1 tasks" in first.stdout
    (task,) = tasks_of(ws)
    assert task.data["story_id"] == "st_" + task.data["article_id"].removeprefix("art_") and line.endswith(task.data["story_id"])
    assert task.data["also_published_as"].startswith("also published as: South Korea says North Korean troops")
    members, _ = registry.read(registry.path_for(ws, ws.config().project_id))
    assert [(m.role, m.task_id, m.story_id) for m in members] == [("first", task.id, task.data["story_id"]),
                                                                 ("copy", None, task.data["story_id"])]
    again = push(ws, folder)  # nothing new: no task, no warning, no new registry row
    assert "imported 0 tasks" in again.stdout and "near-duplicate" not in again.stderr
    assert len(tasks_of(ws)) == 1 and len(registry.read(registry.path_for(ws, ws.config().project_id))[0]) == 2


def test_copies_annotate_imports_a_copy_into_the_same_story(project):
    ws, folder, _ = project
    more = folder.parent / (folder.name + "-more")
    more.mkdir()
    text = (folder / "a.txt").read_text(encoding="utf-8")
    copy = (text.replace("N. Korean Soldiers 'Highly Likely' Killed in Ukraine – Seoul", "Seoul: North Koreans died in Ukraine")
            .replace("North Korean soldiers are likely", "North Korean troops are probably")
            .replace("Original url:", "This article was originally published by Agence France-Presse.\n\nOriginal url:")
            .replace("https://www.themoscowtimes.com", "https://www.example-post.com"))
    (more / "c.txt").write_text(copy, encoding="utf-8")
    result = push(ws, more, "--copies", "annotate")
    assert f"{more / 'c.txt'}: warning: near-duplicate" in result.stderr and "imported 1 tasks" in result.stdout
    first, copy = tasks_of(ws)
    assert copy.data["story_id"] == first.data["story_id"] and copy.data["article_id"] != first.data["article_id"]


def push_revised(source: Path, first, then):  # type: ignore[no-untyped-def]
    """A text-only article pushed from workspace `first`, then edited ("40 million" -> "45 million") and pushed
    from `then`; the second push's result."""
    source.write_text(json.dumps({"title": "Council approves road budget", "text": BUDGET}) + "\n")
    push(first, source)
    source.write_text(json.dumps({"title": "Council approves road budget",
                                  "text": BUDGET.replace("40 million", "45 million")}) + "\n")
    return push(then, source)


def test_a_revised_text_only_article_supersedes_its_old_task_and_exports_once_per_story(project, tmp_path):
    ws, folder, _ = project
    source = tmp_path / "budget.jsonl"
    result = push_revised(source, ws, ws)
    assert f"{source}:1: warning: revision (0." in result.stderr
    old, new = [t for t in tasks_of(ws) if t.data["title"] == "Council approves road budget"]
    assert f"{new.data['article_id']}: text changed; imported as a new task, old task {old.id} kept" in result.stderr
    assert (old.data["article_id"], old.data["story_id"]) == (new.data["article_id"], new.data["story_id"])
    assert "45 million" in new.data["text"]

    client = connect(ws)
    for task in tasks_of(ws):  # every task accepted: two copies of the example story, two versions of the budget
        client.annotations.create(id=task.id, result=[review("accept")])
    pull(client, ws, ws.config().project_id)
    copies = snapshots.read_tasks(ws, ws.config().project_id)
    assert {json.loads(d)["story_id"] for d in copies["data"]} == {t.data["story_id"] for t in tasks_of(ws)}

    root = tmp_path / "datasets"
    one = export(ws, "stories", version="1.0.0", root=root, min_per_split=1)
    rows = {split: [r for path in files for r in pq.read_table(path).to_pylist()] for split in ("train", "validation", "test")
            if (files := split_files(root / "stories" / "1.0.0", "documents", split))}
    exported = [r for split_rows in rows.values() for r in split_rows]
    assert sorted(r["story_id"] for r in exported) == sorted({t.data["story_id"] for t in tasks_of(ws)})  # one per story
    budget = next(r for r in exported if r["title"] == "Council approves road budget")
    assert "45 million" in budget["text"] and budget["task_id"] == new.id  # the newest revision wins
    assert one.manifest["stories"]["stories"] == 2 and one.manifest["stories"]["copies_left_out"] == 1
    assert len(rows) == 2 and one.manifest["stories"]["empty_splits"]  # min 1 per split: two stories fill two splits
    assert verify(one.path) == []

    two = export(ws, "stories", version="1.1.0", root=root, copies=True)
    assert two.manifest["stories"]["copies_included"] == 1
    assert two.manifest["story_splits"] == one.manifest["story_splits"]  # stories keep their split across versions
    assert verify(two.path) == []
    placed = {}
    for split in ("train", "validation", "test"):
        for row in (r for path in split_files(root / "stories" / "1.1.0", "documents", split)
                    for r in pq.read_table(path).to_pylist()):
            placed.setdefault(row["story_id"], set()).add((split, row["article_id"]))
    (story,) = [s for s, found in placed.items() if len(found) == 2]  # both reviewed copies, one split
    assert len({split for split, _ in placed[story]}) == 1
