"""Stories across workspaces, against the real Label Studio: a second workspace on the project detects against the
tasks the first pushed (copies linked into the project's story, revisions superseding), "also published as" keeps
every workspace's copies and drops those imported since, two pushes of one story at the same moment leave one task,
and the story hooks hold on every path of a push (server check, killed push re-run)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.models import Problem
from curation.pipeline import iter_tasks
from curation.server import connect
from curation.stories import registry
from curation.stories.assign import for_workspace
from curation.stories.sync import StoryPush
from curation.sync import ledger
from curation.sync.push import push_tasks
from tests.conftest import EXAMPLE_ARTICLE, need
from tests.test_concurrency import curation, finish, remote, workspace  # noqa: F401 (the `remote` fixture)
from tests.test_stories_sync import push, push_revised, syndicated_copy

pytestmark = pytest.mark.labelstudio
runner = CliRunner()


def other_copy(original: str) -> str:
    """A third outlet's copy: another headline, a reworded sentence, a credit line, its own URL."""
    return (original.replace("N. Korean Soldiers 'Highly Likely' Killed in Ukraine – Seoul", "Seoul: North Koreans died in Ukraine")
            .replace("North Korean soldiers are likely", "North Korean troops are probably")
            .replace("Original url:", "This article was originally published by Agence France-Presse.\n\nOriginal url:")
            .replace("https://www.themoscowtimes.com", "https://www.example-post.com"))


def folder(root: Path, **texts: str) -> Path:
    root.mkdir(parents=True)
    for name, text in texts.items():
        (root / f"{name}.txt").write_text(text, encoding="utf-8")
    return root


def fillers(original: str, tag: str, n: int) -> dict[str, str]:
    """Articles of their own (random draws of the example's words: no 5-word shingle in common)."""
    vocabulary = sorted(set(re.findall(r"[A-Za-z]{3,}", original)))
    return {f"{tag}{i:02d}": f"{tag.upper()} item {i}\n\n" + " ".join(random.Random(f"{tag}{i}").choices(vocabulary, k=70))
            for i in range(n)}


def tasks_of(ws) -> list:  # type: ignore[no-untyped-def]
    return sorted(connect(ws).tasks.list(project=ws.config().project_id, include="id,meta,data", page_size=1000),
                  key=lambda t: t.id)


def members(ws) -> dict[str, registry.Member]:
    found, _ = registry.read(registry.path_for(ws, ws.config().project_id))
    return {m.content_hash: m for m in found}


def test_a_second_workspace_links_a_copy_into_the_projects_story_and_every_workspaces_copies_are_shown(remote, tmp_path):
    alice, bob = (workspace(tmp_path / who, "stories two workspaces") for who in ("alice", "bob"))
    original = need(EXAMPLE_ARTICLE).read_text(encoding="utf-8")
    push(alice, folder(tmp_path / "wire", a=original, b=syndicated_copy(original)))
    theirs = folder(tmp_path / "post", c=other_copy(original))
    result = push(bob, theirs)
    (task,) = tasks_of(alice)  # bob's copy was linked, not imported for annotation
    story = task.data["story_id"]
    assert "imported 0 tasks" in result.stdout
    assert f"{theirs / 'c.txt'}: warning: near-duplicate (0." in result.stderr
    assert f" of task {task.id}, story {story}" in result.stderr
    assert "1 tasks in the project were not in this workspace's story registry" in result.stderr
    shown = task.data["also_published_as"]  # alice's copy and bob's, not only the last push's
    assert "South Korea says North Korean troops" in shown and "Seoul: North Koreans died in Ukraine" in shown
    assert len(task.meta["copies"]) == 2
    known = members(bob)
    assert [(m.role, m.story_id, m.task_id) for m in known.values()] == [("first", story, task.id), ("copy", story, None)]

    again = push(bob, theirs, "--copies", "annotate")  # the copy gets a task after all: no longer "not imported"
    assert "imported 1 tasks" in again.stdout
    holder, copy = tasks_of(alice)
    assert copy.data["story_id"] == story
    for t in (holder, copy):
        assert t.data["also_published_as"].startswith("also published as: South Korea says North Korean troops")
        assert "Seoul: North Koreans" not in t.data["also_published_as"] and len(t.meta["copies"]) == 1
    revised = folder(tmp_path / "wire-corrected", a=original.replace("more expected to be deployed", "more expected"))
    push(alice, revised)  # the story's first article corrected: its new task shows the story's copies too
    newest = tasks_of(alice)[-1]
    assert newest.data["article_id"] == holder.data["article_id"] and newest.data["story_id"] == story
    assert newest.data["also_published_as"] == holder.data["also_published_as"]
    assert runner.invoke(app, ["pull", "--workspace", str(bob.root)]).exit_code == 0
    status = runner.invoke(app, ["status", "--json", "--workspace", str(bob.root)])
    counts = json.loads(status.stdout)["stories"]  # alice's linked copy counts in bob's status too
    assert (counts["stories"], counts["articles"], counts["copies"], counts["copies_without_task"]) == (1, 3, 2, 1)


def test_a_revision_pushed_from_another_workspace_supersedes_the_task_the_first_pushed(remote, tmp_path):
    alice, bob = (workspace(tmp_path / who, "stories revision two workspaces") for who in ("alice", "bob"))
    source = tmp_path / "budget.jsonl"
    result = push_revised(source, alice, bob)
    old, new = tasks_of(alice)
    assert f"{source}:1: warning: revision (0." in result.stderr and f" of task {old.id}, " in result.stderr
    assert f"{new.data['article_id']}: text changed; imported as a new task, old task {old.id} kept" in result.stderr
    assert (new.data["article_id"], new.data["story_id"]) == (old.data["article_id"], old.data["story_id"])


def test_a_story_another_workspace_started_while_this_push_ran_keeps_one_task(remote, tmp_path):
    """Deterministic race: alice's push of the original lands after bob's push looked at the project and before
    it imported its copy. Bob's task, the younger, becomes a linked copy in alice's story."""
    alice, bob = (workspace(tmp_path / who, "stories race") for who in ("alice", "bob"))
    original = need(EXAMPLE_ARTICLE).read_text(encoding="utf-8")
    wire = folder(tmp_path / "wire", a=original)
    push(bob, folder(tmp_path / "seed", **fillers(original, "s", 1)))  # makes the project
    client, project_id = connect(bob), bob.config().project_id
    placing = StoryPush(for_workspace(bob, project_id))
    problems: list[Problem] = []

    def racing(tasks):  # type: ignore[no-untyped-def]
        for i, task in enumerate(tasks):
            if i == 0:
                push(alice, wire)
            yield task

    copy = folder(tmp_path / "daily", b=syndicated_copy(original))
    tasks = iter_tasks([copy], problems.append, preannotator=None, stories=placing.stories)
    report = push_tasks(client, project_id, racing(tasks), ledger_path=ledger.path_for(bob, project_id), stories=placing)
    seeded, holder = tasks_of(alice)
    assert "Seoul" in holder.data["text"] and "South Korea says" in holder.data["also_published_as"]
    assert report.imported == 0 and [m.content_hash for m in placing.linked] == [
        m.content_hash for m in members(bob).values() if m.role == "copy"]
    assert re.fullmatch(rf"{re.escape(str(copy / 'b.txt'))}: near-duplicate \(0\.\d\d\) of task {holder.id}, which another push "
                        rf"imported at the same moment: task \d+ removed, linked to story {holder.data['story_id']}",
                        placing.settled[0])
    (linked,) = [m for m in members(bob).values() if m.role == "copy"]
    assert (linked.story_id, linked.task_id) == (holder.data["story_id"], None)
    assert ledger.read(ledger.path_for(bob, project_id)) == {(t.meta["article_id"], t.meta["content_hash"]): t.id
                                                             for t in (seeded,)}


@pytest.mark.parametrize("copies", ["link", "annotate"])
def test_two_workspaces_pushing_two_copies_of_one_story_at_once_leave_one_story(remote, tmp_path, copies):
    alice, bob = (workspace(tmp_path / who, f"stories at once {copies}") for who in ("alice", "bob"))
    original = need(EXAMPLE_ARTICLE).read_text(encoding="utf-8")
    mine = folder(tmp_path / "wire", a=original, **fillers(original, "f", 12))
    theirs = folder(tmp_path / "daily", b=syndicated_copy(original), **fillers(original, "g", 12))
    args = ("--no-predictions", "--batch-size", "3", "--copies", copies)
    results = finish(curation(remote, alice, "push", str(mine), *args), curation(remote, bob, "push", str(theirs), *args))
    assert [code for code, _ in results] == [0, 0], results
    tasks = tasks_of(alice)
    story = [t for t in tasks if " item " not in t.data["title"]]  # the original or its copy, not a filler
    assert len(tasks) == 24 + len(story) and len({t.meta["content_hash"] for t in tasks}) == len(tasks)
    assert len({t.data["story_id"] for t in story}) == 1  # one story, whoever imported first
    if copies == "link":
        (holder,) = story  # annotated once
        assert holder.data["also_published_as"].count("(") == 1
    else:
        assert len(story) == 2


def test_the_registry_follows_the_project_on_every_path_of_a_push(remote, tmp_path):
    ws = workspace(tmp_path / "ws", "stories hooks")
    original = need(EXAMPLE_ARTICLE).read_text(encoding="utf-8")
    wire = folder(tmp_path / "wire", a=original, b=syndicated_copy(original), **fillers(original, "f", 3))
    push(ws, wire)
    path = registry.path_for(ws, ws.config().project_id)
    expected = {t.meta["content_hash"]: t.id for t in tasks_of(ws)}

    def task_ids() -> dict[str, int]:
        return {h: m.task_id for h, m in members(ws).items() if m.task_id is not None}

    assert task_ids() == expected
    # the registry lost, and a ledger that passes the cheap check but misses two tasks: catch-up learns the two it
    # names, the server check right before the import finds the other two, and held() records them
    path.unlink()
    lines = ledger.path_for(ws, ws.config().project_id).read_text().splitlines()
    tampered = [json.dumps({**json.loads(line), "content_hash": "0" * 64}) if i < 2 else line for i, line in enumerate(lines)]
    ledger.path_for(ws, ws.config().project_id).write_text("\n".join(tampered) + "\n")
    again = push(ws, wire)
    assert "imported 0 tasks, 4 already there" in again.stdout and task_ids() == expected
    assert "2 tasks in the project were not in this workspace's story registry" in again.stderr
    # a push killed after its import, before it recorded: the re-run learns the tasks from the project
    path.unlink()
    rerun = push(ws, wire)
    assert "imported 0 tasks" in rerun.stdout and "4 tasks in the project were not in this workspace's story" in rerun.stderr
    assert task_ids() == expected and len(tasks_of(ws)) == 4
