"""Stories without a server: similarity invariants (hypothesis), the syndication edits found and different stories
kept apart, the revision rule, the registry, and the split rule."""

from __future__ import annotations

import gc
import json
import random
import re
import sqlite3
import stat
import subprocess
import sys
import zlib
from contextlib import closing
from itertools import islice

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bench.syndication import EDITS
from curation.cli import app
from curation.export.splits import assign, empty_splits, split_of
from curation.export.verification import story_problems
from curation.ingest import make_article, parse_text
from curation.models import Article, Problem
from curation.pipeline import iter_tasks
from curation.stories import index, registry
from curation.stories.assign import CHUNK, Stories
from curation.stories.index import Signer, containment, fingerprint, fingerprints
from curation.stories.shingles import _BASE, _MULTIPLIERS, _ascii_word, jaccard, shingle_all, shingles
from curation.workspace import StoryRules, Workspace, WorkspaceConfig, WorkspaceError
from tests.conftest import ROOT
from tests.strategies import messy_text

runner = CliRunner()
EXAMPLES = ROOT / "examples" / "articles"
words = st.lists(st.sampled_from("the council budget said mayor roads forty million repairs north seoul "
                                 "defence minister 北 朝鮮 café é".split()), min_size=5, max_size=80).map(" ".join)


def example_raws() -> list[str]:
    """examples/articles as raw "headline, blank line, body" texts, the shape the edits work on."""
    from curation.ingest import ingest

    return [f"{a.title}\n\n{a.text}\n" for a in ingest([EXAMPLES]) if isinstance(a, Article)]


@given(words, words)
def test_similarities_are_symmetric_bounded_and_one_for_identical_texts(a, b):
    x, y = shingles(a, 5), shingles(b, 5)
    assert containment(x, y) == containment(y, x) and 0 <= containment(x, y) <= 1
    assert jaccard(x, y) == jaccard(y, x) and jaccard(x, y) <= containment(x, y)
    assert containment(x, x) == 1.0 == jaccard(x, x)
    common = len(set(x.tolist()) & set(y.tolist()))
    assert containment(x, y) == (common / min(x.size, y.size) if x.size and y.size else float(x.size == y.size))
    assert containment(x, shingles(a + "\n\n" + b, 5)) == 1.0  # a text is contained in itself plus more


@given(messy_text)
def test_shingles_ignore_case_punctuation_and_line_breaks(text):
    restyled = text.upper().replace(".", " ").replace("\n", " \r\n ").replace(",", ";")
    if text.upper().lower() == text.lower():  # case-folding round trips (not so for every code point)
        assert np.array_equal(shingles(text, 5), shingles(restyled, 5))


def _mixed(h: int) -> int:
    """splitmix64's finaliser on Python ints."""
    h ^= h >> 30
    h = h * 0xBF58476D1CE4E5B9 % 2**64
    h ^= h >> 27
    h = h * 0x94D049BB133111EB % 2**64
    return h ^ (h >> 31)


def reference_shingles(text: str, size: int) -> np.ndarray:
    """The shingle hashes by their definition, a word and a shingle at a time: a word (what `\\w+` matches in the
    lower-cased text) hashes to mix(sum of code point * BASE**position + length); a shingle to mix(sum of its words'
    hashes * the multiplier of their place in it). The registry stores signatures made from these: they must not
    change, whichever way they are computed."""
    words = [_mixed((sum(ord(c) * pow(_BASE, k, 2**64) for k, c in enumerate(w)) + len(w)) % 2**64)
             for w in re.findall(r"\w+", text.lower())]
    starts = range(max(len(words) - size + 1, 1)) if words else ()
    found = {_mixed(sum(h * int(m) for h, m in zip(words[i:i + size], _MULTIPLIERS)) % 2**64) for i in starts}
    return np.array(sorted(found), dtype=np.uint64)


texts = st.one_of(messy_text, words, st.lists(words, min_size=1, max_size=4).map("\n\n".join))


def test_word_characters_below_128_are_asciis_letters_digits_and_underscore_in_both_widths():
    for points in (np.arange(256, dtype=np.uint8), np.arange(0x110000, dtype=np.uint32)):
        expected = np.array([c < 128 and (chr(c).isalnum() or c == ord("_")) for c in range(points.size)])
        assert np.array_equal(_ascii_word(points), expected)


@given(texts, st.integers(1, 8))
def test_shingle_hashes_are_the_defined_ones_for_ascii_and_other_text(text, size):
    assert np.array_equal(shingles(text, size), reference_shingles(text, size))


@given(st.lists(texts, max_size=12))
@settings(deadline=None)
def test_fingerprints_of_many_texts_at_once_are_each_texts_own(batch):
    together = fingerprints(batch, 5)
    assert len(together) == len(batch) == len(shingle_all(batch, 5))
    for text, found in zip(batch, together):
        alone = fingerprint(text, 5)
        assert np.array_equal(found.shingles, alone.shingles) and np.array_equal(found.shingles, shingles(text, 5))
        assert np.array_equal(found.whole, alone.whole) and np.array_equal(found.head, alone.head)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=300, unique=True))
def test_the_signer_gives_datasketchs_minhash_of_the_values_one_by_one(values):
    hashes = np.array(sorted(values), dtype=np.uint64)
    sign = Signer()
    other = sign(np.array([1, 2, 3], dtype=np.uint64) << np.uint64(40))  # the reused MinHash starts afresh for each set
    kept = other.copy()
    expected = MinHash(num_perm=32, hashfunc=int)
    expected.update_batch([v >> 32 for v in sorted(values)])
    assert np.array_equal(sign(hashes), expected.hashvalues)
    assert np.array_equal(sign(np.array([], dtype=np.uint64)), MinHash(num_perm=32).hashvalues)
    assert np.array_equal(other, kept)  # what it gave before is not written into by signing others


def test_stories_in_chunks_are_what_placing_one_at_a_time_gives():
    rng = random.Random(7)
    raws = example_raws()
    articles = [parse_text(EDITS[rng.choice(sorted(EDITS))](rng.choice(raws), rng), source_path=f"{i}.txt",
                           url=f"https://outlet.example/{i}") for i in range(150)]
    one_by_one = Stories(StoryRules())
    expected = [one_by_one.place(a) for a in articles]
    problems: list[Problem] = []
    chunked = list(Stories(StoryRules()).assign(articles, problems.append))
    assert [a.story_id for a in chunked] == [a.story_id for a, _ in expected]
    assert problems == [p for _, p in expected if p is not None] and len({a.story_id for a in chunked}) < len(raws) * 2


def test_a_placed_text_is_compressed_only_once_recorded_or_once_its_shingles_are_let_go(tmp_path, monkeypatch):
    packed: list[str] = []
    monkeypatch.setattr(registry, "pack", lambda text: packed.append(text) or zlib.compress(text.encode("utf-8")))
    raws = example_raws()
    articles = [parse_text(raw, source_path=f"{i}.txt") for i, raw in enumerate(raws)]
    stories = Stories.open(StoryRules(), tmp_path / "stories.sqlite")
    assert len(list(stories.assign(articles, lambda problem: None))) == len(raws) and packed == []  # `curation tasks`
    stories.record(stories.placed.values())
    assert packed == [a.text for a in articles]
    assert [m.text for m in registry.read(tmp_path / "stories.sqlite")[0]] == packed

    packed.clear()
    monkeypatch.setattr(index, "RECENT_BYTES", 1)  # only the newest text's shingles are kept
    stories = Stories(StoryRules())
    list(stories.assign(articles, lambda problem: None))
    assert packed == [a.text for a in articles[:-1]]
    copy = parse_text(EDITS["reword"](raws[0], random.Random(4)), source_path="copy.txt")
    placed, problem = stories.place(copy)  # checked against the first text, shingled again from its compressed copy
    exact = containment(shingles(articles[0].text, 5), shingles(copy.text, 5))
    assert placed.story_id == stories.member(articles[0].content_hash).story_id
    assert problem.message == f"near-duplicate ({exact:.2f}) of 0.txt, story {placed.story_id}"


def test_placing_freezes_what_the_collector_would_walk_again_and_thaws_it_when_done():
    articles = [parse_text(raw, source_path=f"{i}.txt") for i, raw in enumerate(example_raws() * 30)]
    assert gc.get_freeze_count() == 0
    placing = Stories(StoryRules()).assign(articles, lambda problem: None)
    list(islice(placing, CHUNK + 1))  # past the first chunk
    assert gc.get_freeze_count() > 0
    placing.close()  # stopped early: thawed all the same
    assert gc.get_freeze_count() == 0
    gc.freeze()  # someone else's freeze is left as it is
    try:
        before = gc.get_freeze_count()
        list(Stories(StoryRules()).assign(articles, lambda problem: None))
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()


@given(messy_text)
@settings(max_examples=50)
def test_placing_an_article_keeps_its_text_and_offsets(text):
    try:
        article = make_article(text + "\n\nThe council said so.", source_path="x.txt")
    except ValueError:
        return
    placed, _ = Stories(StoryRules()).place(article)
    assert placed.text == article.text and placed.paragraphs == article.paragraphs
    assert all(placed.text[p.start:p.end] == article.text[p.start:p.end] for p in placed.paragraphs)
    assert placed.story_id == "st_" + article.article_id.removeprefix("art_")


@given(st.integers(0, 10**6))
@settings(max_examples=20, deadline=None)
def test_every_syndication_edit_of_an_example_is_a_near_duplicate_and_similarity_is_exact(seed):
    rng = random.Random(seed)
    raws = example_raws()
    raw = rng.choice(raws)
    kind = rng.choice(sorted(set(EDITS) - {"combined"}))
    stories = Stories(StoryRules())
    original = parse_text(raw, source_path="a.txt", url="https://wire.example/a")
    copy = parse_text(EDITS[kind](raw, rng), source_path="b.txt", url="https://other.example/b")
    stories.place(original)
    placed, problem = stories.place(copy)
    assert placed.story_id == stories.member(original.content_hash).story_id, kind
    exact = containment(shingles(original.text, 5), shingles(copy.text, 5))
    assert problem.message == f"near-duplicate ({exact:.2f}) of a.txt, story {placed.story_id}"
    assert problem.path == "b.txt" and problem.severity == "warning"


def test_different_stories_stay_apart_even_on_one_topic():
    raws = example_raws()
    stories = Stories(StoryRules())
    placed = [stories.place(parse_text(raw, source_path=f"{i}.txt"))[0] for i, raw in enumerate(raws)]
    assert len({p.story_id for p in placed}) == len(raws)
    follow_up = raws[0].replace("Could Take Two Years", "Reopens Early")  # same topic, its own text
    other = parse_text(follow_up.split("\n\n")[0] + "\n\nThe bridge reopened on Monday, months ahead of the schedule "
                       "engineers had given, and traffic returned to normal by the evening rush hour.", source_path="f.txt")
    assert stories.place(other)[1] is None


def test_tasks_reports_a_copy_in_the_batch_with_its_story(tmp_path):
    raw = example_raws()[0]
    (tmp_path / "a.txt").write_text(raw)
    (tmp_path / "b.txt").write_text(EDITS["reword"](EDITS["headline"](raw, random.Random(1)), random.Random(1)))
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["tasks", str(tmp_path), "-o", str(out), "--no-predictions", "-w", str(tmp_path)])
    assert result.exit_code == 0, result.output
    tasks = json.loads(out.read_text())
    assert tasks[0]["data"]["story_id"] == tasks[1]["data"]["story_id"]
    assert f"{tmp_path / 'b.txt'}: warning: near-duplicate (" in result.stderr
    assert result.stderr.rstrip().endswith("(0 errors, 1 warnings)")
    off = runner.invoke(app, ["tasks", str(tmp_path), "-o", str(out), "--no-predictions", "--no-near-duplicates",
                              "-w", str(tmp_path)])
    assert "near-duplicate" not in off.stderr and len({t["data"]["story_id"] for t in json.loads(out.read_text())}) == 2
    bad = runner.invoke(app, ["tasks", str(tmp_path), "-o", str(out), "--threshold", "2", "-w", str(tmp_path)])
    assert bad.exit_code == 1 and bad.stderr.strip() == "error: near-duplicate threshold 2.0: expected a number in (0, 1]"


def test_tasks_without_detection_loads_neither_datasketch_nor_scipy(tmp_path):
    (tmp_path / "a.txt").write_text(example_raws()[0])
    probe = ("import sys\nfrom curation.cli import app\n"
             f"app(['tasks', {str(tmp_path)!r}, '-o', {str(tmp_path / 't.json')!r}, '-w', {str(tmp_path)!r}, FLAG], "
             "standalone_mode=False)\nprint(sorted({m for m in sys.modules if m.count('.') < 2} & "
             "{'datasketch', 'scipy', 'scipy.integrate'}))")
    run = lambda flag: subprocess.run([sys.executable, "-c", probe.replace("FLAG", repr(flag))], capture_output=True,  # noqa: E731
                                      text=True, check=True).stdout.splitlines()[-1]
    # with detection, datasketch but not scipy.integrate, which it imports only for bands curation never asks for
    assert run("--no-near-duplicates") == "[]" and run("--near-duplicates") == "['datasketch', 'scipy']"


def test_datasketch_imported_without_scipy_integrate_still_fits_bands_to_a_threshold():
    """The stand-in hands over to the real scipy.integrate.quad: an index made from a threshold gets the bands
    datasketch imported plainly gives, and curation's own signatures are datasketch's."""
    probe = ("import sys\n{}\nfrom datasketch import MinHashLSH\nbefore = 'scipy.integrate' in sys.modules\n"
             "lsh = MinHashLSH(threshold=0.6, num_perm=32)\n"
             "print(before, 'scipy.integrate' in sys.modules, lsh.b, lsh.r)")
    run = lambda first: subprocess.run([sys.executable, "-c", probe.format(first)], capture_output=True,  # noqa: E731
                                       text=True, check=True).stdout.split()
    deferred, plain = run("import curation.stories.index"), run("import datasketch")
    assert deferred[:2] == ["False", "True"] and plain[0] == "True" and deferred[2:] == plain[2:]


def recorded_stories(tmp_path, texts: list[Article]) -> tuple[Stories, list[Article]]:
    """The articles placed and recorded as if pushed (task ids 1, 2, ...), then the registry opened again."""
    path = tmp_path / "stories.sqlite"
    stories = Stories.open(StoryRules(), path)
    placed = [stories.place(a)[0] for a in texts]
    for task_id, member in enumerate(stories.placed.values(), 1):
        member.task_id = task_id
    stories.record(stories.placed.values())
    return Stories.open(StoryRules(), path), placed


BUDGET = ("The city council approved a budget of 40 million dollars for road repairs on Monday, the mayor said. "
          "Officials expect the work to start in the spring and to last about two years, and residents of the "
          "northern districts welcomed the plan.")


def test_a_text_only_article_edited_after_its_push_is_a_revision_that_keeps_its_article_id(tmp_path):
    old = make_article(BUDGET, source_path="budget.jsonl", source_line=1, title="Road budget")
    stories, _ = recorded_stories(tmp_path, [old])
    new = make_article(BUDGET.replace("40 million", "45 million"), source_path="budget.jsonl", source_line=1,
                       title="Road budget")
    assert new.article_id != old.article_id  # its identity is its text
    placed, problem = stories.place(new)
    assert (placed.article_id, placed.story_id) == (old.article_id, "st_" + old.article_id[4:])
    assert problem.message.startswith("revision (0.") and problem.message.endswith(f"supersedes {old.article_id} when pushed")
    elsewhere = make_article(BUDGET.replace("40 million", "45 million"), source_path="other.txt", title="Roads")
    stories2, _ = recorded_stories(tmp_path / "2", [old])
    copy, found = stories2.place(elsewhere)  # another source, another title: a copy, not a revision
    assert copy.article_id == elsewhere.article_id and copy.story_id == placed.story_id
    assert found.message.startswith("near-duplicate (")


def test_the_registry_is_owner_only_ordered_idempotent_and_refuses_damage(tmp_path):
    raw = example_raws()[1]
    a = parse_text(raw, source_path="a.txt", url="https://a.example/1")
    b = parse_text(EDITS["correction"](raw, random.Random(2)), source_path="b.txt", url="https://b.example/1")
    stories, placed = recorded_stories(tmp_path, [b, a])  # the copy arrived first: its id names the story
    path = tmp_path / "stories.sqlite"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    members, _ = registry.read(path)
    assert [m.content_hash for m in members] == [b.content_hash, a.content_hash]
    assert {m.story_id for m in members} == {"st_" + b.article_id[4:]}
    again = [stories.place(x) for x in (a, b)]  # re-running: same story ids, nothing found anew
    assert [p.story_id for p, _ in again] == [p.story_id for p in placed[::-1]] and all(f is None for _, f in again)
    registry.record(path, members, stories.settings)
    assert len(registry.read(path)[0]) == 2 and registry.counts(path)["stories"] == 1
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(WorkspaceError, match="not a readable story registry"):
        registry.read(path)


def test_status_counts_the_copies_other_workspaces_linked_once_each_as_their_tasks_last_listed_them(tmp_path):
    raw = example_raws()[1]
    a = parse_text(raw, source_path="a.txt", url="https://a.example/1")
    b = parse_text(EDITS["headline"](raw, random.Random(5)), source_path="b.txt", url="https://b.example/1")
    stories, _ = recorded_stories(tmp_path, [a, b])  # a pushed, its copy b linked here (no task)
    stories.members[1].task_id = None
    stories.update(stories.members)
    path, story = tmp_path / "stories.sqlite", stories.members[0].story_id
    theirs = {"content_hash": "c" * 64, "article_id": "art_c", "title": "C", "publisher": None, "url": None,
              "source": "c.txt"}
    ours = {"content_hash": b.content_hash, "article_id": b.article_id, "title": b.title, "publisher": None,
            "url": None, "source": "b.txt"}
    before = registry.counts(path)
    stories.note_linked({story: [ours, theirs]})
    assert registry.counts(path) == {**before, "articles": 3, "copies": 2, "copies_without_task": 2}
    stories.note_linked({story: [ours, theirs]})  # noted again: counted once
    assert registry.counts(path)["copies_without_task"] == 2
    stories.note_linked({story: [ours]})  # their copy has a task of its own since: no longer listed
    assert registry.counts(path) == before


def test_stored_signatures_are_kept_unless_the_shingles_they_were_made_from_changed(tmp_path):
    article = parse_text(example_raws()[3], source_path="a.txt")
    recorded_stories(tmp_path, [article])
    path = tmp_path / "stories.sqlite"
    with closing(sqlite3.connect(path)) as db, db:  # as registries were written when the LSH bands were a setting
        db.execute("INSERT OR REPLACE INTO settings VALUES ('bands', '(10, 3)/(8, 4)')")
        db.execute("UPDATE members SET whole = ?", (np.zeros(32, np.uint32).tobytes(),))  # kept unless signed again
    assert not Stories.open(StoryRules(), path).members[0].whole.any()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE settings SET value = '4' WHERE key = 'shingle_size'")
    signed = Stories.open(StoryRules(), path).members[0].whole
    assert np.array_equal(signed, fingerprint(article.text, 5).whole)


def test_pipeline_assigns_story_ids_for_iter_tasks_users(tmp_path):
    raw = example_raws()[2]
    (tmp_path / "a.txt").write_text(raw)
    (tmp_path / "b.txt").write_text(EDITS["boilerplate"](raw, random.Random(3)))
    problems: list[Problem] = []
    tasks = list(iter_tasks([tmp_path], problems.append, preannotator=None, stories=Stories(StoryRules())))
    assert tasks[0].data.story_id == tasks[1].data.story_id and [p.severity for p in problems] == ["warning"]


def test_splits_keep_inherited_stories_fill_small_splits_and_never_split_a_story():
    stories = [f"st_{i:04d}" for i in range(50)]
    plain = assign(stories, (0.8, 0.1, 0.1))
    assert plain == {s: split_of(s, (0.8, 0.1, 0.1)) for s in stories}
    filled = assign(stories, (0.8, 0.1, 0.1), min_per_split=8)
    counts = {s: list(filled.values()).count(s) for s in ("train", "validation", "test")}
    assert min(counts.values()) >= 8 and sum(counts.values()) == 50
    moved = {s for s in stories if filled[s] != plain[s]}
    assert all(plain[s] == "train" for s in moved)  # only taken from the largest split
    inherited = {s: "test" for s in stories[:30]}
    later = assign(stories + ["st_new"], (0.8, 0.1, 0.1), inherited, min_per_split=8)
    assert all(later[s] == "test" for s in stories[:30])  # a story never moves between versions
    assert empty_splits(assign(["st_a"], (0.8, 0.1, 0.1))) and not empty_splits(filled)
    assert story_problems({"st_a": {"train", "test"}}, None) == [
        "story st_a: rows in test and train: a story must not cross splits"]
    assert story_problems({"st_a": {"train"}}, {"st_a": "test"}) == ["story st_a: in train, the manifest says test"]


def test_the_threshold_comes_from_the_workspace_config(tmp_path):
    ws = Workspace(tmp_path)
    ws.save_config(WorkspaceConfig(stories=StoryRules(threshold=0.99)))
    from curation.stories.assign import for_workspace

    assert for_workspace(ws).rules.threshold == 0.99 and for_workspace(ws, threshold=0.7).rules.threshold == 0.7
    raw = example_raws()[0]
    stories = for_workspace(ws)
    stories.place(parse_text(raw, source_path="a.txt"))
    edited = parse_text(EDITS["reword"](raw, random.Random(5)), source_path="b.txt")
    found = containment(fingerprint(raw.split("\n\n", 1)[1], 5).shingles, fingerprint(edited.text, 5).shingles)
    assert found < 0.99 and stories.place(edited)[1] is None  # too strict a threshold: reported as its own story
