"""Scoring functions, corpus readers on hand-made files, and the real development figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app

from curation.evaluation import evaluate
from curation.evaluation.corpora import checkthat, conll2010_wiki, polnear_sources
from curation.evaluation.scores import PRF, match_labels, match_spans
from curation.preannotate import get_preannotator
from tests.conftest import BENCHMARKS, need


def test_span_matching_exact_and_overlap_by_hand():
    predicted = [(0, 5), (10, 20), (30, 31)]
    gold = [(0, 5), (12, 25), (40, 45)]
    exact = match_spans(predicted, gold, exact=True)
    overlap = match_spans(predicted, gold, exact=False)
    assert (exact.tp, exact.fp, exact.fn) == (1, 2, 2)
    assert (overlap.tp, overlap.fp, overlap.fn) == (2, 1, 1)
    assert overlap.precision == pytest.approx(2 / 3) and overlap.f1 == pytest.approx(2 / 3)


def test_one_gold_span_is_matched_only_once():
    assert match_spans([(0, 3), (2, 6)], [(1, 5)], exact=False) == PRF(1, 1, 0)


def test_sentence_labels_by_hand():
    score = match_labels([(True, True), (True, False), (False, True), (False, False)])
    assert (score.precision, score.recall, score.f1) == (0.5, 0.5, 0.5)
    assert match_labels([]).f1 == 0.0


def test_readers_on_hand_made_files(tmp_path):
    text_dir = tmp_path / "polnear" / "dev" / "text"
    ann_dir = tmp_path / "polnear" / "dev" / "attributions"
    text_dir.mkdir(parents=True)
    ann_dir.mkdir(parents=True)
    (text_dir / "art.txt").write_text("Title\nThe mayor said it rained. Police said so.")
    (ann_dir / "art_b2.ann").write_text("T1\tSource 6 15\tThe mayor\n")
    (ann_dir / "art_a1.ann").write_text("T1\tSource 6 15\tThe mayor\nT2\tCue 16 20\tsaid\nT3\tSource 33 36;37 39\tPol ic\n")
    ((name, text, gold),) = list(polnear_sources(tmp_path))
    assert name == "art" and gold == [(6, 15), (33, 36), (37, 39)]  # lowest annotator id, discontinuous split
    (tmp_path / "checkthat2024").mkdir()
    (tmp_path / "checkthat2024" / "CT24_checkworthy_english_dev.tsv").write_bytes(
        b'Sentence_id\tText\tclass_label\r\n1\t"He said ""no."""\tNo\r\n2\tTaxes rose 5%.\tYes\r\n')
    assert list(checkthat(tmp_path)) == [('He said "no."', False), ("Taxes rose 5%.", True)]
    (tmp_path / "conll2010-wiki").mkdir()
    (tmp_path / "conll2010-wiki" / "train.csv").write_text('text,label\n"Some say -LRB- often -RRB-\nit is.",1\nPlain.,0\n')
    assert list(conll2010_wiki(tmp_path)) == [("Some say ( often )\nit is.", True), ("Plain.", False)]


@pytest.mark.benchmarks
def test_development_figures_stay_above_their_floors():
    rows = {(r.corpus, r.match): r.score.f1 for r in evaluate(need(BENCHMARKS / "polnear").parent, get_preannotator("rules"))}
    assert rows[("PolNeAR dev", "overlap")] >= 0.59  # measured 0.629
    assert rows[("PolNeAR dev", "exact")] >= 0.53  # 0.567
    assert rows[("CheckThat! 2024 dev", "sentence")] >= 0.70  # 0.743
    assert rows[("CoNLL-2010 wiki train", "sentence")] >= 0.47  # 0.504


def write_tiny_benchmarks(root: Path) -> None:
    """One item of each corpus whose right answer a reader can see."""
    (root / "polnear" / "dev" / "text").mkdir(parents=True)
    (root / "polnear" / "dev" / "attributions").mkdir(parents=True)
    (root / "polnear" / "dev" / "text" / "a.txt").write_text("Title\nThe mayor said the bridge was closed in 2019.\n")
    (root / "polnear" / "dev" / "attributions" / "a_x.ann").write_text("T1\tSource 6 15\tThe mayor\n")
    (root / "checkthat2024").mkdir()
    (root / "checkthat2024" / "CT24_checkworthy_english_dev.tsv").write_bytes(
        b"Sentence_id\tText\tclass_label\r\n1\tTaxes rose 5% in 2019 under the new law.\tYes\r\n2\tThank you.\tNo\r\n")
    (root / "conll2010-wiki").mkdir()
    (root / "conll2010-wiki" / "train.csv").write_text("text,label\nIt may rain -LRB- often -RRB- here.,1\nThe sky is blue.,0\n")


def test_evaluate_command_prints_json_rows(tmp_path):
    write_tiny_benchmarks(tmp_path)
    result = CliRunner().invoke(app, ["evaluate", "--benchmarks", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    rows = {(r["corpus"], r["match"]): r for r in json.loads(result.output)}
    assert rows[("PolNeAR dev", "exact")]["f1"] == 1.0 and rows[("PolNeAR dev", "exact")]["n"] == 1
    assert rows[("CheckThat! 2024 dev", "sentence")]["f1"] == 1.0 and rows[("CheckThat! 2024 dev", "sentence")]["n"] == 2
    assert rows[("CoNLL-2010 wiki train", "sentence")]["f1"] == 1.0


def test_evaluate_command_without_benchmarks_fails_clearly(tmp_path):
    result = CliRunner().invoke(app, ["evaluate", "--benchmarks", str(tmp_path / "missing")])
    assert result.exit_code != 0
    assert "no benchmark data" in result.output and "missing" in result.output
