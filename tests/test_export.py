"""Export end to end against a real Label Studio: push, annotate and review as several users, pull, export,
then load every config with plain `datasets.load_dataset` and check it against the annotations made."""

from __future__ import annotations

import hashlib
import json
import shutil
import time

import pytest
from datasets import load_dataset
from typer.testing import CliRunner

import curation
from curation.cli import app
from curation.export import SameContent, export, source
from curation.export.write import VersionExists, sha256
from curation.pipeline import iter_tasks
from curation.server import connect
from curation.sync.project import ensure_project
from curation.sync.pull import pull
from curation.sync.push import push_tasks
from tests.conftest import ROOT
from tests.test_sync import fresh_project

pytestmark = pytest.mark.labelstudio
runner = CliRunner()
CONFIGS = ("documents", "sentences", "tokens", "claims", "annotations")
LABELS = ("CLAIM", "HEDGE", "SOURCE")


def review(decision: str) -> dict:
    return {"id": "rev", "from_name": "review", "to_name": "text", "type": "choices", "value": {"choices": [decision]}}


def labelled(result: list[dict]) -> dict[str, tuple[int, int, str, str]]:
    """span id -> (start, end, text, label) of an annotation result, as sent."""
    return {r["id"]: (r["value"]["start"], r["value"]["end"], r["value"]["text"], r["value"]["labels"][0])
            for r in result if r.get("type") == "labels"}


def relations_of(result: list[dict]) -> set[tuple[str, str, str]]:
    return {(r["from_id"], r["to_id"], r["labels"][0]) for r in result if r.get("type") == "relation"}


def expected_split(article_id: str) -> str:
    """The documented rule, written out independently: sha256's first 8 bytes of the story id (each example is a
    story of its own: st_ + the article id's digest) as a fraction of 2**64."""
    story_id = "st_" + article_id.removeprefix("art_")
    x = int.from_bytes(hashlib.sha256(story_id.encode()).digest()[:8], "big") / 2**64
    return "train" if x < 0.8 else "validation" if x < 0.9 else "test"


@pytest.fixture(scope="module")
def project(labelstudio, tmp_path_factory):
    """Five example tasks; three annotators. Final per task: 0 accepted (prediction edited: a HEDGE dropped),
    1 accepted over a later unreviewed annotation, 2 rejected, 3 skipped, 4 ground truth."""
    ws = fresh_project(labelstudio[0], "export")
    client = connect(ws)
    project = ensure_project(client, ws, "curation-rules-1.0")
    push_tasks(client, project.id, iter_tasks([ROOT / "examples" / "articles"], print))
    tasks = sorted(client.tasks.list(project=project.id, fields="all"), key=lambda t: t.id)
    users = [client.users.create(username=f"export-ann{i}", email=f"export-ann{i}@example.com") for i in range(3)]
    predicted = [t.predictions[0].result for t in tasks]
    dropped = next(r["id"] for r in predicted[0] if r["type"] == "labels" and r["value"]["labels"] == ["HEDGE"])
    final = {
        0: [r for r in predicted[0] if r.get("id") != dropped and dropped not in (r.get("from_id"), r.get("to_id"))],
        1: [r for r in predicted[1] if r["type"] != "relation"],
        4: predicted[4],
    }
    made = {
        0: client.annotations.create(id=tasks[0].id, result=final[0] + [review("accept")], completed_by=users[0].id),
        1: client.annotations.create(id=tasks[1].id, result=final[1] + [review("accept")], completed_by=users[1].id),
        4: client.annotations.create(id=tasks[4].id, result=final[4], ground_truth=True, completed_by=users[2].id),
    }
    made["later"] = client.annotations.create(id=tasks[1].id, result=final[1][:1], completed_by=users[2].id)  # not reviewed
    client.annotations.create(id=tasks[2].id, result=predicted[2] + [review("reject")], completed_by=users[1].id)
    client.annotations.create(id=tasks[3].id, result=[], was_cancelled=True, completed_by=users[2].id)
    pull(client, ws, project.id)
    root = tmp_path_factory.mktemp("datasets")
    done = export(ws, "claims", version="1.0.0", root=root)
    return ws, client, project.id, tasks, users, final, made, root, done


def test_every_config_loads_with_plain_datasets_and_matches_the_annotations(project):
    ws, client, project_id, tasks, users, final, made, root, done = project
    folder = root / "claims" / "1.0.0"
    by_article = {tasks[i].data["article_id"]: i for i in final}
    loaded = {c: load_dataset(str(folder), c) for c in CONFIGS}

    docs = {row["article_id"]: (split, row) for split, ds in loaded["documents"].items() for row in ds}
    assert set(docs) == set(by_article)  # reviewed only: rejected, skipped and untouched tasks are out
    label_names = loaded["documents"]["train"].features["spans"].feature["label"].names
    for article_id, (split, row) in docs.items():
        i = by_article[article_id]
        assert split == expected_split(article_id)
        assert (row["task_id"], row["annotation_id"]) == (tasks[i].id, made[i].id)
        assert row["annotator"].startswith("annotator-")
        assert not any(u.email in json.dumps(row) or u.username in json.dumps(row) for u in users)
        assert row["model_version"] == tasks[i].predictions[0].model_version and row["schema_version"] == 1
        assert row["text"] == tasks[i].data["text"]
        got = {s["id"]: (s["start"], s["end"], s["text"], label_names[s["label"]]) for s in row["spans"]}
        assert got == labelled(final[i])
        relation_names = loaded["documents"]["train"].features["relations"].feature["type"].names
        assert {(r["from"], r["to"], relation_names[r["type"]]) for r in row["relations"]} == relations_of(final[i])

    tag_names = loaded["tokens"]["train"].features["ner_tags"].feature.names
    assert tag_names == ["O", "B-CLAIM", "I-CLAIM", "B-HEDGE", "I-HEDGE", "B-SOURCE", "I-SOURCE"]
    for split, ds in loaded["tokens"].items():
        for row in ds:
            assert split == expected_split(row["article_id"])
            text = tasks[by_article[row["article_id"]]].data["text"]
            spans = labelled(final[by_article[row["article_id"]]]).values()
            layers = [row[f"{lb.lower()}_tags"] for lb in LABELS]
            for k, (token, a, b, tag) in enumerate(zip(row["tokens"], row["token_starts"], row["token_ends"], row["ner_tags"])):
                assert text[a:b] == token
                covering = [(e - s, -LABELS.index(lb), lb) for s, e, _, lb in spans if s < b and a < e]
                want = min(covering)[2] if covering else None  # shortest span wins; ties: SOURCE, HEDGE, CLAIM
                assert tag_names[tag] == "O" if want is None else tag_names[tag][2:] == want
                if k == 0 and want:
                    assert tag_names[tag].startswith("B-")
                for lb, layer in zip(LABELS, layers):  # each layer: O exactly where no span of its label is
                    assert (layer[k] == 0) == (not any(x == lb for _, _, x in covering))
            lo, hi = row["token_starts"][0], row["token_ends"][-1]
            for lb, layer in zip(LABELS, layers):  # nesting kept: one B- per span of the label in the row
                assert layer.count(1) == sum(1 for s, e, _, x in spans if x == lb and s < hi and lo < e)

    for ds in loaded["sentences"].values():
        for row in ds:
            spans = labelled(final[by_article[row["article_id"]]])
            overlapping = {sid for sid, (s, e, _, _) in spans.items() if s < row["end"] and e > row["start"]}
            assert set(row["span_ids"]) == overlapping
            assert row["has_claim"] == any(spans[s][3] == "CLAIM" for s in overlapping)
            assert row["is_hedged"] == any(spans[s][3] == "HEDGE" for s in overlapping)

    claims = {(row["article_id"], row["claim_id"]): row for ds in loaded["claims"].values() for row in ds}
    for article_id, i in by_article.items():
        spans, rels = labelled(final[i]), relations_of(final[i])
        ids = {sid for sid, s in spans.items() if s[3] == "CLAIM"}
        assert {c for a, c in claims if a == article_id} == ids
        for cid in ids:
            row = claims[article_id, cid]
            assert {s["id"] for s in row["sources"]} == {f for f, t, k in rels if t == cid and k == "attributed_to"}
            assert {h["id"] for h in row["hedges"]} == {f for f, t, k in rels if t == cid and k == "qualifies"}
            assert spans[cid][2] in row["context"]

    notes = {(r["task_id"], r["annotation_id"]): (split, r) for split, ds in loaded["annotations"].items() for r in ds}
    reviews = loaded["annotations"]["train"].features["review"].names
    assert reviews == ["none", "accept", "reject"]
    assert set(notes) == {(tasks[i].id, made[i].id) for i in final} | {(tasks[1].id, made["later"].id)}
    for (task_id, annotation_id), (split, r) in notes.items():
        i = next(i for i in final if tasks[i].id == task_id)
        assert split == expected_split(r["article_id"]) and r["annotator"].startswith("annotator-")
        assert r["is_final"] == (annotation_id == made[i].id)
        got = {s["id"]: (s["start"], s["end"], s["text"], label_names[s["label"]]) for s in r["spans"]}
        if r["is_final"]:
            assert got == labelled(final[i]) and reviews[r["review"]] == ("none" if i == 4 else "accept")
            assert r["ground_truth"] == (i == 4)
        else:  # task 1's later, unreviewed annotation: its one region
            assert got == labelled(final[1][:1]) and reviews[r["review"]] == "none"
    final_annotators = {r["annotation_id"]: r["annotator"] for ds in loaded["documents"].values() for r in ds}
    assert all(final_annotators[a] == r["annotator"] for (_, a), (_, r) in notes.items() if a in final_annotators)

    worthiness = loaded["claims"]["train"].features["check_worthiness"].names
    assert worthiness == ["none", "check_worthy", "not_check_worthy", "unsure"]  # the schema's, not the data's
    assert loaded["claims"]["train"].features["claim_type"].names[0] == "none"
    assert loaded["claims"]["train"].features["label"].names == worthiness[1:]
    assert loaded["sentences"]["train"].features["label"].names == ["no_claim", *worthiness[1:]]
    for ds in loaded["claims"].values():
        for row in ds:
            i = by_article[row["article_id"]]
            attrs = next(r for r in final[i] if r["type"] == "choices" and r["id"] == row["claim_id"]
                         and r["from_name"] == "check_worthiness")["value"]["choices"] if any(
                r["type"] == "choices" and r["id"] == row["claim_id"] and r["from_name"] == "check_worthiness"
                for r in final[i]) else None
            assert row["label"] == (-1 if attrs is None else worthiness.index(attrs[0]) - 1)
            assert worthiness[row["check_worthiness"]] == (attrs[0] if attrs else "none")

    m = done.manifest
    assert m["tasks"] == {"reviewed": 3, "rejected": 1, "skipped": 1, "annotated": 0}
    assert m["excluded_annotations"] == {"skipped": 1, "rejected": 1, "not_reviewed": 0}  # task 1's extra one: not chosen
    assert m["source"]["project_id"] == project_id and "token" not in json.dumps(m["source"])
    assert sum(c["articles"] for c in m["counts"].values()) == 3
    card = (folder / "README.md").read_text()
    assert 'load_dataset("path/to/claims/1.0.0", "tokens")' in card and "cc-by-4.0" in card
    # agreement where two annotators worked: task 1 only, the accepted result against its first region alone
    alone = labelled(final[1][:1])
    counts = {lb: sum(1 for *_, x in labelled(final[1]).values() if x == lb) for lb in LABELS}
    want = {lb: (2 / (counts[lb] + 1) if any(x == lb for *_, x in alone.values()) else 0.0 if counts[lb] else None)
            for lb in LABELS}
    assert m["agreement"]["tasks"] == 1
    assert {lb: m["agreement"]["span_f1"].get(f"{lb} exact") for lb in LABELS} == pytest.approx(want)
    assert "over the 1 tasks with two or more annotators" in card
    assert dict(curation.load("claims", version="latest", config="claims", root=root).num_rows) == {
        s: len(ds) for s, ds in loaded["claims"].items()}


def test_versions_are_immutable_and_exports_deterministic(project):
    ws, *_, root, done = project
    with pytest.raises(VersionExists):
        export(ws, "claims", version="1.0.0", root=root)
    with pytest.raises(SameContent, match="equals version 1.0.0"):
        export(ws, "claims", version="1.0.1", root=root)
    again = export(ws, "claims", version="1.0.1", root=root, allow_same=True)
    parquet = {k: v for k, v in done.manifest["files"].items() if k.endswith(".parquet")}
    assert parquet and {k: v for k, v in again.manifest["files"].items() if k.endswith(".parquet")} == parquet
    result = runner.invoke(app, ["export", "--name", "claims", "--version", "1.0.1", "--root", str(root), "-w", str(ws.root)])
    assert result.exit_code == 1 and "never overwritten" in result.output
    shutil.rmtree(root / "claims" / "1.0.1")  # keep 1.1.0's parent 1.0.0 for the last test


def test_worker_processes_write_the_same_bytes(project, monkeypatch):
    ws, *_, root, done = project
    monkeypatch.setattr(source, "CHUNK", 1)  # one article per chunk: two workers finish them out of order
    files = []
    for version, workers in (("0.0.1", 1), ("0.0.2", 2), ("0.0.3", 3)):
        out = export(ws, "chunks", version=version, root=root, allow_same=True, workers=workers)
        files.append({k: v for k, v in out.manifest["files"].items() if k.endswith(".parquet")})
    assert files[0] and files[0] == files[1] == files[2]


def test_verify_detects_a_changed_parquet_and_a_changed_manifest(project, tmp_path):
    *_, root, done = project
    copy = tmp_path / "claims"
    shutil.copytree(root / "claims" / "1.0.0", copy / "1.0.0")
    verify = lambda: runner.invoke(app, ["verify", "claims@1.0.0", "--root", str(tmp_path)])  # noqa: E731
    assert verify().exit_code == 0
    target = copy / "1.0.0" / "tokens" / "train-00000-of-00001.parquet"
    original = target.read_bytes()
    target.write_bytes(original[:-10] + bytes(10))
    result = verify()
    assert result.exit_code == 1 and "tokens/train-00000-of-00001.parquet: sha256 differs" in result.output
    target.write_bytes(original)
    manifest_path = copy / "1.0.0" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["counts"]["train"]["labels"]["CLAIM"] += 1
    manifest_path.write_text(json.dumps(manifest))
    result = verify()
    assert result.exit_code == 1 and "label counts differ" in result.output


def test_more_reviews_make_1_1_0_with_a_correct_changelog(project):
    ws, client, project_id, tasks, users, final, made, root, done = project
    time.sleep(1.5)
    fewer = [r for r in final[0] if r["type"] != "relation"][:3]
    client.annotations.create(id=tasks[0].id, result=fewer + [review("accept")], completed_by=users[1].id)
    client.annotations.create(id=tasks[2].id, result=tasks[2].predictions[0].result + [review("accept")],
                              completed_by=users[0].id)  # the rejected task, now accepted
    pull(client, ws, project_id)
    result = runner.invoke(app, ["export", "--name", "claims", "--bump", "minor", "--root", str(root), "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((root / "claims" / "1.1.0" / "manifest.json").read_text())
    assert manifest["parent"] == "1.0.0"
    assert manifest["changelog"] == {"added": [tasks[2].data["article_id"]], "removed": [],
                                     "changed": [tasks[0].data["article_id"]]}
    listed = runner.invoke(app, ["versions", "claims", "--root", str(root)])
    assert [line.split()[0] for line in listed.output.splitlines()] == ["1.0.0", "1.1.0"]
    diff = runner.invoke(app, ["diff", "claims", "1.0.0", "1.1.0", "--root", str(root)])
    assert "added: 1" in diff.output and "changed: 1" in diff.output
    assert runner.invoke(app, ["verify", "claims", "--root", str(root)]).exit_code == 0
    docs = load_dataset(str(root / "claims" / "1.1.0"), "documents")
    row = next(r for ds in docs.values() for r in ds if r["article_id"] == tasks[0].data["article_id"])
    assert {s["id"] for s in row["spans"]} == set(labelled(fewer))  # the newest accepted annotation wins
    assert sha256(root / "claims" / "1.0.0" / "manifest.json")  # 1.0.0 is still there, untouched


def test_json_reports_of_export_versions_diff_and_verify_follow_their_documented_shapes(project, tmp_path):
    from curation.cli.shapes import SHAPES, mismatches

    ws, client, project_id, tasks, users, final, made, root, done = project
    exported = runner.invoke(app, ["export", "--name", "claims", "--version", "1.0.0", "--root", str(tmp_path), "-w",
                                   str(ws.root), "--json"])
    assert exported.exit_code == 0, exported.output
    report = json.loads(exported.stdout)
    assert not mismatches(report, SHAPES["export"])
    manifest = json.loads((tmp_path / "claims" / "1.0.0" / "manifest.json").read_text())
    assert report["path"] == str(tmp_path / "claims" / "1.0.0") and report["parent"] is None
    assert report["articles"] == {split: c["articles"] for split, c in manifest["counts"].items()}
    assert report["tasks"] == manifest["tasks"] and report["changes"] is None and report["hub"] is None
    prose = runner.invoke(app, ["export", "--name", "prose", "--version", "1.0.0", "--root", str(tmp_path), "-w",
                                str(ws.root)])
    assert prose.exit_code == 0 and "{" not in prose.stdout  # counts in words, not a Python dict repr
    assert f"{sum(report['articles'].values())} articles ({report['articles']['train']} train, " in prose.stdout

    listed = json.loads(runner.invoke(app, ["versions", "claims", "--root", str(root), "--json"]).stdout)
    assert not mismatches(listed, SHAPES["versions"])
    assert [(v["version"], v["parent"]) for v in listed] == [("1.0.0", None), ("1.1.0", "1.0.0")]
    changed = json.loads(runner.invoke(app, ["diff", "claims", "1.0.0", "1.1.0", "--root", str(root), "--json"]).stdout)
    assert not mismatches(changed, SHAPES["diff"])
    assert changed["articles"] == json.loads((root / "claims" / "1.1.0" / "manifest.json").read_text())["changelog"]
    checked = runner.invoke(app, ["verify", "claims", "--root", str(root), "--json"])
    assert checked.exit_code == 0 and not mismatches(json.loads(checked.stdout), SHAPES["verify"])
    assert [(v["version"], v["ok"], v["problems"]) for v in json.loads(checked.stdout)] == [("1.0.0", True, []),
                                                                                            ("1.1.0", True, [])]
