"""`curation train` and `--preannotator model:DIR`: hand-made tiny corpora for the model folder's contract,
a slice of the public data for "beats a trivial baseline on unseen data", and the whole loop against a real
Label Studio (push with rules -> annotators correct -> reviewed -> export -> train -> push the model's
predictions -> evaluate both)."""

from __future__ import annotations

import csv
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from label_studio_sdk import LabelStudio
from typer.testing import CliRunner

from curation.cli import app
from curation.evaluation import as_article
from curation.evaluation.corpora import checkthat_rows, conll2010_wiki, polnear_spans
from curation.evaluation.scores import PRF, match_spans
from curation.export.write import sha256
from curation.models import Article
from curation.preannotate import get_preannotator
from curation.tasks import TaskValidator, document_from_result, to_task
from curation.train import calibration
from curation.train.build import remove_stale
from curation.train.folds import folds
from tests.conftest import BENCHMARKS, ROOT, need
from tests.test_sync import fresh_project

runner = CliRunner()
ARTICLE = ROOT / "examples" / "articles" / "harbour-bridge-closure.txt"

CLAIMS = [("Unemployment fell to 4.1 percent in March, the lowest rate in a decade.", True),
          ("We cut taxes for 12 million families and the deficit shrank by $300 billion.", True),
          ("Crime in our cities rose 20 percent over the last four years.", True),
          ("Thank you all for being here tonight.", False),
          ("I think that is a great question.", False),
          ("Let me finish, please.", False)]
HEDGES = [("The treaty may have been signed as early as 1820 , some historians believe .", True),
          ("It is widely considered to be one of the best albums of the decade .", True),
          ("The building was possibly designed by a local architect .", True),
          ("The river is 120 kilometres long .", False),
          ("She was born in Lyon in 1901 .", False),
          ("The station opened in 1887 .", False)]
POLNEAR = [("Title\nThe mayor said the bridge would close on Monday.\nPolice said two roads were shut.\n",
            [("The mayor", "said", "the bridge would close on Monday"), ("Police", "said", "two roads were shut")]),
           ("Title\nOfficials told reporters that the plant was safe.\nThe minister said the talks had failed.\n",
            [("Officials", "told", "the plant was safe"), ("The minister", "said", "the talks had failed")]),
           ("Title\nThe senator said taxes would rise.\nExperts said the cost was too high.\n",
            [("The senator", "said", "taxes would rise"), ("Experts", "said", "the cost was too high")])]


def write_tiny_corpora(root: Path, copies: int = 10) -> Path:
    """Training splits of the three corpora, in their own formats, made up here (nothing is copied)."""
    (root / "checkthat2024").mkdir(parents=True)
    rows = [f"{i * 400 + k}\t{text}\t{'Yes' if worthy else 'No'}"
            for i in range(copies) for k, (text, worthy) in enumerate(CLAIMS)]
    (root / "checkthat2024" / "CT24_checkworthy_english_train.tsv").write_text(
        "Sentence_id\tText\tclass_label\n" + "\n".join(rows) + "\n")
    (root / "conll2010-wiki").mkdir()
    lines = [f'"{text}",{int(uncertain)}' for _ in range(copies) for text, uncertain in HEDGES]
    (root / "conll2010-wiki" / "train.csv").write_text("text,label\n" + "\n".join(lines) + "\n")
    for folder in ("text", "attributions"):
        (root / "polnear" / "train" / folder).mkdir(parents=True)
    for i, (text, frames) in enumerate(POLNEAR * 2):
        ann, t = [], 1
        for source, cue, content in frames:
            for kind, phrase in (("Source", source), ("Cue", cue), ("Content", content)):
                start = text.index(phrase)
                ann.append(f"T{t}\t{kind} {start} {start + len(phrase)}\t{phrase}")
                t += 1
        (root / "polnear" / "train" / "text" / f"a{i}.txt").write_text(text)
        (root / "polnear" / "train" / "attributions" / f"a{i}_x1.ann").write_text("\n".join(ann) + "\n")
    return root


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    root = write_tiny_corpora(tmp_path_factory.mktemp("corpora"))
    out = tmp_path_factory.mktemp("models") / "tiny"
    result = runner.invoke(app, ["train", "-o", str(out), "--benchmarks", str(root), "--seed", "3"])
    assert result.exit_code == 0, result.output
    return out


# Pure parts


def test_folds_never_split_a_group_and_cover_every_item():
    groups = [f"g{i % 7}" for i in range(70)]
    seen = []
    for train, test in folds(groups, seed=1, k=3):
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        seen += test.tolist()
    assert sorted(seen) == list(range(70))
    assert list(folds(["only"] * 5, seed=1)) == []  # one group: nothing to cross-validate


def test_calibration_maps_scores_to_observed_frequencies():
    rng = np.random.default_rng(0)
    raw = rng.uniform(-3, 3, 4000)
    truth = rng.uniform(size=4000) < 1 / (1 + np.exp(-2 * raw))  # right more often than the raw scale says
    mapping = calibration.fit(raw, truth)
    calibrated = calibration.apply(mapping, raw)
    assert np.all(np.diff(calibration.apply(mapping, np.sort(raw))) >= 0)  # monotone
    for row in calibration.reliability(calibrated, truth):
        if row["n"] >= 200:
            assert abs(row["mean_score"] - row["right"]) < 0.06, row
    assert calibration.expected_calibration_error(calibrated, truth) < 0.03


# The model folder


def test_the_model_folder_holds_the_files_and_a_card_that_describes_them(tiny_model):
    assert sorted(p.name for p in tiny_model.iterdir()) == ["claim.npy", "hedge.npy", "model.json", "source.crfsuite"]
    card = json.loads((tiny_model / "model.json").read_text())
    assert card["model_version"].startswith("curation-model-tiny-") and len(card["model_version"]) == 28
    assert {c["corpus"] for c in card["training"]["corpora"]} == {
        "CheckThat! 2024 train", "CoNLL-2010 Wikipedia train", "PolNeAR train"}
    assert all(len(c["sha256"]) == 64 for c in card["training"]["corpora"])
    assert card["training"]["seed"] == 3 and card["training"]["seconds"] > 0
    assert {"scikit-learn", "python-crfsuite", "numpy"} <= set(card["libraries"])
    assert any("not" in line.lower() for line in card["not"])
    assert not list(tiny_model.parent.glob(".tiny.*"))  # no temporary folder left beside it


def test_same_data_and_seed_give_the_same_bytes(tiny_model, tmp_path):
    corpora = write_tiny_corpora(tmp_path / "corpora")
    again = tmp_path / "tiny"
    assert runner.invoke(app, ["train", "-o", str(again), "--benchmarks", str(corpora), "--seed", "3"]).exit_code == 0
    for name in ("claim.npy", "hedge.npy", "source.crfsuite"):
        assert (again / name).read_bytes() == (tiny_model / name).read_bytes(), name
    first, second = (json.loads((d / "model.json").read_text()) for d in (tiny_model, again))
    for card in (first, second):
        card["training"].pop("seconds")
        for entry in card["training"]["corpora"]:
            entry.pop("file")  # where the corpus was read from
    assert first == second


def test_predictions_are_valid_tasks_with_the_models_version(tiny_model):
    model = get_preannotator(f"model:{tiny_model}")
    text = ARTICLE.read_text()
    doc = model.annotate(Article(article_id="a", content_hash="h", text=text, source_path=str(ARTICLE)))
    assert doc.model_version == model.model_version
    assert {s.label for s in doc.spans} <= {"CLAIM", "HEDGE", "SOURCE"} and doc.spans
    for span in doc.spans:
        assert text[span.start:span.end] == span.text and 0 <= span.score <= 1
        assert {"CLAIM": {"check_worthiness", "claim_type"}, "HEDGE": {"hedge_strength"},
                "SOURCE": {"source_type"}}[span.label] == set(span.attributes)
    TaskValidator().validate(to_task(doc))


def test_tasks_with_the_model_and_the_same_from_the_command_line(tiny_model, tmp_path):
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["tasks", str(ARTICLE), "-o", str(out), "--preannotator", f"model:{tiny_model}"])
    assert result.exit_code == 0, result.output
    (task,) = json.loads(out.read_text())
    card = json.loads((tiny_model / "model.json").read_text())
    assert task["predictions"][0]["model_version"] == card["model_version"]


@pytest.mark.parametrize("damage, named", [
    ("remove-dir", "model"),
    ("remove-card", "model.json"),
    ("truncate-weights", "claim.npy"),
    ("garble-card", "model.json"),
    ("other-schema", "model.json"),
    ("other-library", "model.json"),
    ("older-format", "model.json"),
    ("edited-threshold", "model.json"),
    ("remove-crf", "source.crfsuite"),
])
def test_a_damaged_or_foreign_model_folder_is_one_clear_error_naming_the_file(tiny_model, tmp_path, damage, named):
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    card_path = model / "model.json"
    card = json.loads(card_path.read_text())
    if damage == "remove-dir":
        shutil.rmtree(model)
    elif damage == "remove-card":
        card_path.unlink()
    elif damage == "truncate-weights":
        data = (model / "claim.npy").read_bytes()
        (model / "claim.npy").write_bytes(data[: len(data) // 2])
    elif damage == "garble-card":
        card_path.write_text(card_path.read_text()[:100])
    elif damage == "remove-crf":
        (model / "source.crfsuite").unlink()
    else:
        if damage == "other-schema":
            card["schema"]["version"] = 99
        elif damage == "other-library":
            card["libraries"]["scikit-learn"] = "0.1.0"
        elif damage == "older-format":  # a CRF trained on other attributes than this curation computes
            card["format_version"] -= 1
        else:
            card["models"]["CLAIM"]["threshold"] = 0.01
        card_path.write_text(json.dumps(card))
    result = runner.invoke(app, ["tasks", str(ARTICLE), "-o", str(tmp_path / "t.json"), "--preannotator", f"model:{model}"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], result.output
    assert "Traceback" not in result.output and not (tmp_path / "t.json").exists()


def test_a_failed_training_leaves_the_previous_model_and_nothing_half_written(tiny_model, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    before = {p.name: p.read_bytes() for p in model.iterdir()}
    broken = write_tiny_corpora(tmp_path / "corpora")
    (broken / "conll2010-wiki" / "train.csv").write_text("text,label\n\"All certain .\",0\n")  # one class only
    result = runner.invoke(app, ["train", "-o", str(model), "--benchmarks", str(broken)])
    last = result.output.strip().splitlines()[-1]
    assert result.exit_code == 1 and last.startswith("error: HEDGE") and "only negative" in last, result.output
    assert {p.name: p.read_bytes() for p in model.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpora", "model"]  # no temporary folder left
    result = runner.invoke(app, ["train", "-o", str(tmp_path / "x"), "--dataset", "nope@1.0.0", "--root", str(tmp_path)])
    assert result.exit_code == 1 and "nope" in result.output and not (tmp_path / "x").exists()


def test_a_killed_training_leaves_a_partial_folder_the_next_training_removes(tmp_path):
    """SIGKILL mid-training leaves `.NAME.partial-PID-*` beside MODEL_DIR (MODEL_DIR untouched); the next
    training removes it, but never the folder of a training still running (a live PID)."""
    corpora = write_tiny_corpora(tmp_path / "corpora", copies=60)
    out = tmp_path / "m"
    live = tmp_path / f".m.partial-{os.getpid()}-running"  # as if another training of m were under way
    live.mkdir()
    child = subprocess.Popen([sys.executable, "-m", "curation", "train", "-o", str(out), "--benchmarks", str(corpora)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(f".m.partial-{child.pid}-*")) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.kill()
    assert child.wait() == -signal.SIGKILL, "the training ended before it could be killed"
    (stale,) = tmp_path.glob(f".m.partial-{child.pid}-*")
    assert not out.exists()
    result = runner.invoke(app, ["train", "-o", str(out), "--benchmarks", str(corpora)])
    assert result.exit_code == 0, result.output
    assert not stale.exists() and live.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "corpora", "m"]


def test_a_model_caught_between_the_two_renames_of_its_replacement_is_put_back(tiny_model, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    old = tmp_path / f".model.old-{dead.pid}-x"
    shutil.copytree(tiny_model, old / "model")
    before = {p.name: p.read_bytes() for p in (old / "model").iterdir()}
    remove_stale(tmp_path / "model")
    assert {p.name: p.read_bytes() for p in (tmp_path / "model").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_evaluate_prints_rules_and_model_side_by_side(tiny_model, tmp_path):
    from tests.test_evaluation import write_tiny_benchmarks

    write_tiny_benchmarks(tmp_path)
    result = runner.invoke(app, ["evaluate", "--benchmarks", str(tmp_path), "--preannotator", f"model:{tiny_model}",
                                 "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    version = json.loads((tiny_model / "model.json").read_text())["model_version"]
    assert {r["model_version"] for r in rows} == {"curation-rules-1.2", version}
    by = {(r["model_version"], r["corpus"], r["match"]): r for r in rows}
    # the tiny model was trained on (made-up) CoNLL-2010 train: its HEDGE row is its out-of-fold figure
    assert by[(version, "CoNLL-2010 wiki train", "sentence")]["how"] == "cross-validated"
    assert by[(version, "CheckThat! 2024 dev", "sentence")]["how"] == "scored"
    assert by[(version, "PolNeAR dev", "exact")]["n"] == 1


# The public data


def every(items: list, n: int) -> list:
    return items[:: max(1, len(items) // n)][:n]


@pytest.mark.benchmarks
def test_trained_on_a_slice_of_the_public_data_the_model_beats_trivial_baselines_on_unseen_data(tmp_path):
    """Train on a slice of each training split (written to a temporary folder in the corpora's own formats);
    score on the development splits the model never saw (CheckThat! dev, PolNeAR dev) and, for HEDGE
    (CoNLL-2010 has no other split), on the out-of-fold predictions."""
    root = need(BENCHMARKS / "polnear").parent
    sliced = tmp_path / "corpora"
    (sliced / "checkthat2024").mkdir(parents=True)
    rows = every(list(checkthat_rows(root, "train")), 1500)
    (sliced / "checkthat2024" / "CT24_checkworthy_english_train.tsv").write_text(
        "Sentence_id\tText\tclass_label\n" + "".join(f"{i}\t{t}\t{'Yes' if y else 'No'}\n" for i, t, y in rows))
    (sliced / "conll2010-wiki").mkdir()
    with (sliced / "conll2010-wiki" / "train.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows((t, int(y)) for t, y in every(list(conll2010_wiki(root)), 1500))
    for folder in ("text", "attributions"):
        (sliced / "polnear" / "train" / folder).mkdir(parents=True)
    for name, text, spans in every(list(polnear_spans(root, "train")), 25):
        (sliced / "polnear" / "train" / "text" / f"{name}.txt").write_text(text, encoding="utf-8")
        ann = [f"T{i}\t{kind} {s} {e}\t{text[s:e]}" for i, (kind, s, e) in
               enumerate(((k, s, e) for k in ("Source", "Cue", "Content") for s, e in spans.get(k, [])), 1)]
        (sliced / "polnear" / "train" / "attributions" / f"{name}_x.ann").write_text("\n".join(ann) + "\n")
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", "-o", str(out), "--benchmarks", str(sliced), "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model.json").read_text())
    model = get_preannotator(f"model:{out}")
    # CLAIM on CheckThat! dev against "every sentence is check-worthy"
    dev = list(checkthat_rows(root, "dev"))
    predicted = [any(s.label == "CLAIM" for s in model.annotate(as_article(t, f"s{i}")).spans) for i, t, _ in dev]
    gold = [y for *_, y in dev]
    f1 = PRF(sum(p and g for p, g in zip(predicted, gold)), sum(p and not g for p, g in zip(predicted, gold)),
             sum(g and not p for p, g in zip(predicted, gold))).f1
    everything = PRF(sum(gold), len(gold) - sum(gold), 0).f1
    assert f1 > everything + 0.05, (f1, everything)
    # HEDGE out of fold against "every sentence is hedged"
    hedge = card["evaluation"]["HEDGE"]
    share = hedge["positive"] / hedge["sentences"]
    assert hedge["cross_validation"]["model"]["f1"] > 2 * share / (1 + share) + 0.05
    # SOURCE on PolNeAR dev against "the first word of every line is a source"
    model_score = baseline = PRF(0, 0, 0)
    for name, text, gold_spans in list(polnear_spans(root, "dev"))[:30]:
        gold = gold_spans.get("Source", [])
        spans = [(s.start, s.end) for s in model.annotate(as_article(text, name)).spans if s.label == "SOURCE"]
        firsts = [(m.start(), m.end()) for m in re.finditer(r"(?m)^\w+", text)]
        model_score += match_spans(spans, gold, exact=False)
        baseline += match_spans(firsts, gold, exact=False)
    assert model_score.f1 > baseline.f1 + 0.1, (model_score.f1, baseline.f1)


# The loop, against the real Label Studio


def corrected(result: list[dict]) -> list[dict]:
    """An annotator's correction of a prediction: weak hedges (score < 0.6) deleted, with their attributes and
    relations; everything else kept."""
    dropped = {r["id"] for r in result if r["type"] == "labels" and r["value"]["labels"] == ["HEDGE"]
               and r.get("score", 1) < 0.6}
    return [{k: v for k, v in r.items() if k != "score"} for r in result
            if r.get("id") not in dropped and not {r.get("from_id"), r.get("to_id")} & dropped]


@pytest.mark.labelstudio
def test_the_loop_rules_then_reviewed_labels_then_a_trained_model_predicting_in_the_same_project(
        labelstudio, make_annotator, tmp_path):
    ws = fresh_project(labelstudio.workspace, "train-loop")
    articles = ROOT / "examples" / "articles"
    at = ["--workspace", str(ws.root)]
    result = runner.invoke(app, ["push", str(articles), *at])
    assert result.exit_code == 0, result.output
    admin, project_id = labelstudio.client, ws.config().project_id
    tasks = sorted(admin.tasks.list(project=project_id, fields="all"), key=lambda t: t.id)
    assert {t.predictions[0].model_version for t in tasks} == {"curation-rules-1.2"}
    annotators = [make_annotator("loop") for _ in range(2)]
    for i, task in enumerate(tasks):  # each annotator corrects with their own token; the admin marks it ground truth
        own = LabelStudio(base_url=labelstudio.url, api_key=annotators[i % 2].token.get_secret_value())
        made = own.annotations.create(id=task.id, result=corrected(task.predictions[0].result), lead_time=30.0)
        admin.annotations.update(id=made.id, ground_truth=True)
    assert runner.invoke(app, ["pull", *at]).exit_code == 0
    datasets = tmp_path / "datasets"
    result = runner.invoke(app, ["export", "--name", "loop", "--version", "1.0.0", "--root", str(datasets), *at])
    assert result.exit_code == 0, result.output

    model = tmp_path / "loop-model"
    result = runner.invoke(app, ["train", "-o", str(model), "--dataset", "loop@1.0.0", "--root", str(datasets), *at])
    assert result.exit_code == 0, result.output
    card = json.loads((model / "model.json").read_text())
    (trained,) = card["training"]["datasets"]
    manifest = datasets / "loop" / "1.0.0" / "manifest.json"
    assert (trained["name"], trained["version"]) == ("loop", "1.0.0") and trained["manifest_sha256"] == sha256(manifest)
    assert card["training"]["corpora"] == [] and trained["articles"]
    version = card["model_version"]

    result = runner.invoke(app, ["push", str(articles), "--predictions-only", "--preannotator", f"model:{model}", *at])
    assert result.exit_code == 0, result.output
    assert f"added {len(tasks)} {version} predictions" in result.output
    assert admin.projects.get(id=project_id).model_version == version  # what annotators are shown now
    for task in admin.tasks.list(project=project_id, fields="all"):
        versions = [p.model_version for p in task.predictions]
        assert versions.count(version) == 1 and "curation-rules-1.2" in versions  # added; the old one kept
        ours = next(p for p in task.predictions if p.model_version == version)
        article = Article(article_id=task.data["article_id"], content_hash="-", text=task.data["text"], source_path="-")
        assert document_from_result(article, ours.result).spans  # valid regions on the task's own text

    assert runner.invoke(app, ["pull", *at]).exit_code == 0
    result = runner.invoke(app, ["evaluate", "--reviewed", "--preannotator", f"model:{model}", "--json", *at])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["shown"]["tasks"] == len(tasks)
    rerun = report["rerun"]
    assert {r["model_version"] for r in rerun} == {"curation-rules-1.2", version}
    seen = {r["seen_in_training"] for r in rerun if r["model_version"] == version}
    assert True in seen  # the model's scores on its own training articles are told apart
    rules_hedge = next(r for r in rerun if r["model_version"] == "curation-rules-1.2" and r["label"] == "HEDGE"
                       and r["match"] == "exact" and not r["seen_in_training"])
    assert rules_hedge["fn"] == 0  # annotators only deleted rule hedges: the rules miss none of what stayed
