"""`curation convert`: each output loaded by the tool that consumes it, every span checked against the version."""

from __future__ import annotations

import json

import pytest
from datasets import load_dataset
from typer.testing import CliRunner

from curation.cli import app
from tests.export_fixtures import small_version

runner = CliRunner()


@pytest.fixture(scope="module")
def version(tmp_path_factory):
    root = tmp_path_factory.mktemp("convert")
    done = small_version(root)
    docs = load_dataset(str(done.path), "documents")["train"]
    names = docs.features["spans"].feature["label"].names
    spans = {r["article_id"]: {(s["start"], s["end"], names[s["label"]]) for s in r["spans"]} for r in docs}
    return root, done, {r["article_id"]: r["text"] for r in docs}, spans


def run(root, fmt, out):
    result = runner.invoke(app, ["convert", "small@1.0.0", "--to", fmt, "-o", str(out), "--root", str(root / "datasets"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_spacy_docbin_loads_in_spacy_with_a_span_group_per_label_and_exact_offsets(version, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    root, done, texts, spans = version
    report = run(root, "spacy", tmp_path)
    assert report["misaligned_spans"] == 1  # "ritic" inside "Critics": expanded, and said so
    docs = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(spacy.blank("en").vocab))
    assert len(docs) == 3 and not (tmp_path / "validation.spacy").exists()
    for doc in docs:
        article = doc.user_data["curation"]["article_id"]
        assert doc.text == texts[article]  # CRLF, tabs, emoji, CJK kept
        got = {(s.start_char, s.end_char, group) for group in ("CLAIM", "HEDGE", "SOURCE") for s in doc.spans[group]}
        want = spans[article]
        off = {(s, e, lb) for s, e, lb in want if doc.char_span(s, e) is None}
        assert got - {x for x in got if x not in want} == want - off  # aligned spans: exact
        assert len(got) == len(want)  # the misaligned one is there too, expanded
        for ent in doc.ents:  # entities: the spans overlapping no other span
            assert not any(o.start < ent.end and ent.start < o.end and (o.start, o.end) != (ent.start, ent.end)
                           for group in doc.spans.values() for o in group)
    first = next(d for d in docs if "Experts" in d.text)
    assert [s.text for s in first.spans["CLAIM"]][0] == "it is highly likely to rain"  # nested HEDGE kept apart
    assert [s.text for s in first.spans["HEDGE"]] == ["highly likely"]
    assert "highly likely" not in [e.text for e in first.ents]


def test_conll_reads_back_with_spacys_conll_reader_as_the_flattened_tags(version, tmp_path):
    from spacy.training.converters import conll_ner_to_docs

    root, done, texts, spans = version
    run(root, "conll", tmp_path)
    content = (tmp_path / "train.conll").read_text(encoding="utf-8")
    docs = list(conll_ner_to_docs(content, n_sents=0))
    tokens = load_dataset(str(done.path), "tokens")["train"]
    tags = tokens.features["ner_tags"].feature.names
    want = []  # entities as the tokens config's ner_tags give them, per article in order
    for article in dict.fromkeys(tokens["article_id"]):
        runs, current = [], None
        for row in (r for r in tokens if r["article_id"] == article):
            for token, tag in zip(row["tokens"], row["ner_tags"]):
                name = tags[tag]
                if name.startswith("B-") or (name.startswith("I-") and current is None):
                    current = [name[2:], [token]]
                    runs.append(current)
                elif name.startswith("I-"):
                    current[1].append(token)
                else:
                    current = None
            current = None
        want.append([(label, " ".join(words)) for label, words in runs])
    assert len(docs) == 3
    assert [[(e.label_, e.text) for e in doc.ents] for doc in docs] == want


def test_prodigy_jsonl_has_prodigys_shape_and_every_span_round_trips(version, tmp_path):
    root, done, texts, spans = version
    run(root, "prodigy", tmp_path)
    tasks = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(tasks) == 3
    for task in tasks:
        text, article = task["text"], task["meta"]["article_id"]
        assert text == texts[article] and task["answer"] == "accept"
        assert {(s["start"], s["end"], s["label"]) for s in task["spans"]} == spans[article]
        for token in task["tokens"]:
            assert text[token["start"]:token["end"]] == token["text"] and token["id"] == task["tokens"].index(token)
        for s in task["spans"]:
            first, last = task["tokens"][s["token_start"]], task["tokens"][s["token_end"]]
            assert first["start"] < s["end"] and last["end"] > s["start"]  # the tokens the span covers


def test_an_unknown_format_and_a_missing_version_are_one_line_each(version, tmp_path):
    root, *_ = version
    bad = runner.invoke(app, ["convert", "small@1.0.0", "--to", "brat", "-o", str(tmp_path), "--root", str(root / "datasets")])
    assert bad.exit_code == 1 and bad.output.strip() == "error: --to brat: use one of spacy, conll, prodigy"
    missing = runner.invoke(app, ["convert", "small@9.9.9", "--to", "conll", "-o", str(tmp_path), "--root", str(root / "datasets")])
    assert missing.exit_code == 1 and "has no version 9.9.9" in missing.output and "Traceback" not in missing.output
