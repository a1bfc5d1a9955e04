"""Story rules without a server: a copy bridging two stories joins the most similar whatever the order the stories
arrived in (ties: the story id that sorts first) and the warning names the other; `curation tasks` shows each
story's other articles on its first task, from the batch and from the registry."""

from __future__ import annotations

import errno
import json
import os
import random
import string
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bench.syndication import EDITS
from curation.cli import app
from curation.ingest import make_article, parse_text
from curation.models import Document
from curation.stories import registry
from curation.stories.assign import Stories, for_workspace
from curation.tasks import to_task, write_tasks
from curation.workspace import StoryRules, Workspace, WorkspaceConfig
from tests.test_stories import example_raws

runner = CliRunner()
VOCABULARY = ["".join(random.Random(i).choices(string.ascii_lowercase, k=7)) for i in range(3000)]


def paragraph(seed: str, words: int = 60) -> str:
    return " ".join(random.Random(seed).choices(VOCABULARY, k=words)) + "."


X, Y, Z = (paragraph(p) for p in "XYZ")


def placed_in_order(texts: dict[str, str], order: str):  # type: ignore[no-untyped-def]
    stories = Stories(StoryRules())
    return {name: stories.place(parse_text(f"{name}\n\n{texts[name]}", source_path=f"{name}.txt")) for name in order}


@pytest.mark.parametrize("order", ["acb", "cab"])
def test_a_copy_bridging_two_equally_similar_stories_joins_the_one_whose_id_sorts_first(order):
    texts = {"a": f"{X}\n\n{Y}", "c": f"{Y}\n\n{Z}", "b": f"{X}\n\n{Y}\n\n{Z}"}  # a and c share one paragraph of two
    placed = placed_in_order(texts, order)
    (a, none_a), (c, none_c) = placed["a"], placed["c"]
    assert a.story_id != c.story_id and none_a is None and none_c is None  # 0.5 of each other: two stories
    b, problem = placed["b"]
    assert b.story_id == min(a.story_id, c.story_id)
    other = "c" if b.story_id == a.story_id else "a"
    story = c.story_id if other == "c" else a.story_id
    assert problem.message.endswith(f"; also near-duplicate of {other}.txt (1.00), story {story}: stories are not "
                                    "merged, it joins the most similar")


@pytest.mark.parametrize("order", ["acd", "cad"])
def test_a_bridging_copy_joins_the_more_similar_story_whatever_order_the_stories_came_in(order):
    half = " ".join(Z.split()[:30])
    texts = {"a": f"{X}\n\n{Y}", "c": f"{Y}\n\n{Z}", "d": f"{X}\n\n{Y}\n\n{half}"}  # all of a, 3/4 of c
    placed = placed_in_order(texts, order)
    d, problem = placed["d"]
    assert d.story_id == placed["a"][0].story_id
    assert problem.message.startswith("near-duplicate (1.00) of a.txt, story ")
    assert f"; also near-duplicate of c.txt (0.7" in problem.message and placed["c"][0].story_id in problem.message


def test_tasks_shows_each_storys_other_articles_on_its_first_task(tmp_path):
    raw = example_raws()[0]
    copy = EDITS["reword"](EDITS["headline"](raw, random.Random(4)), random.Random(4))
    (tmp_path / "a.txt").write_text(raw)
    (tmp_path / "b.txt").write_text(copy)
    (tmp_path / "c.txt").write_text(example_raws()[1])  # a story of its own
    out = tmp_path / "tasks.jsonl"
    result = runner.invoke(app, ["tasks", str(tmp_path), "-o", str(out), "--format", "jsonl", "--no-predictions",
                                 "-w", str(tmp_path)])
    assert result.exit_code == 0, result.output
    a, b, c = (json.loads(line)["data"] for line in out.read_text().splitlines())
    title = copy.split("\n", 1)[0]
    assert a["also_published_as"] == f"also published as: {title} ({tmp_path / 'b.txt'})"
    assert b["story_id"] == a["story_id"] and b["also_published_as"] is None and c["also_published_as"] is None
    assert b["text"] in copy and a["text"] in raw  # the file holds every article, text untouched


def test_tasks_shows_the_registrys_articles_of_a_story_on_the_batchs_copy(tmp_path):
    ws = Workspace(tmp_path)
    ws.save_config(WorkspaceConfig(project_id=5))
    raw = example_raws()[0]
    pushed = for_workspace(ws)
    pushed.place(parse_text(raw, source_path="wire/a.txt", url="https://wire.example/a"))
    for member in pushed.placed.values():
        member.task_id = 1
    pushed.record(pushed.placed.values())
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "b.txt").write_text(EDITS["correction"](EDITS["headline"](raw, random.Random(2)), random.Random(2)))
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["tasks", str(tmp_path / "in"), "-o", str(out), "--no-predictions", "-w", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (task,) = json.loads(out.read_text())
    (first,) = registry.read(registry.path_for(ws, 5))[0]
    assert task["data"]["story_id"] == first.story_id
    assert task["data"]["also_published_as"] == f"also published as: {first.title} ({first.publisher}, https://wire.example/a)"


tricky = st.lists(st.sampled_from(['"', "\\", "a", "é", "北", "\n", "\u2028", "\x00", '"also_published_as":null', ":",
                                   "null", "}"]), max_size=12).map("".join)


@given(st.lists(st.tuples(tricky, tricky, st.none() | tricky), min_size=1, max_size=4), st.sampled_from(["json", "jsonl"]),
       st.booleans())
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_the_also_published_as_text_set_in_the_spooled_file_is_what_pydantic_writes(tmp_path, items, fmt,
                                                                                     kernel_copies):
    """The file is spooled and copied with each shown task's field filled in by offset: what comes out must be the file
    pydantic's dumps of the tasks with the field set would make, whatever quotes, escapes or look-alike keys the
    texts, titles and shown texts hold; also where the kernel will not copy a file to a file (macOS's sendfile)."""
    tasks, shown = [], {}
    for i, (text, title, also) in enumerate(items):
        article = make_article(f"{text} The council said so {i}.", source_path="x.txt", title=title or None)
        tasks.append(to_task(Document(article=article), with_predictions=False))
        if also is not None:
            shown[article.content_hash] = also
    out = tmp_path / f"tasks.{fmt}"
    refused = OSError(errno.ENOTSOCK, "Socket operation on non-socket")
    with patch("os.sendfile", side_effect=None if kernel_copies else refused, wraps=os.sendfile) as sendfile:
        assert write_tasks(iter(tasks), out, fmt, also_published_as=lambda: shown) == len(tasks)
    assert sendfile.called
    expected = [t.model_copy(update={"data": t.data.model_copy(update={"also_published_as": shown.get(t.meta.content_hash)})})
                for t in tasks]
    plain = tmp_path / f"plain.{fmt}"
    write_tasks(iter(expected), plain, fmt)
    assert out.read_bytes() == plain.read_bytes()
