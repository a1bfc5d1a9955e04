"""Benchmark of issue 11: training the pre-annotator, and predicting with it, against a spaCy pipeline.

    python -m bench.train [--n 10000] [--model DIR] [--spacy DIR] [--spacy-epochs 5]

1. `curation train --benchmarks ../shared/benchmarks` (all three labels, the full public training splits) in a
   process of its own: wall and CPU seconds, peak RSS. `--model DIR` reuses a model trained before instead
   (its card's training time is printed), or keeps the one trained; `--spacy DIR` likewise for the reference
   pipeline.
2. The reference a spaCy/Prodigy team would build: spacy.blank("en") + sentencizer + two textcat (bag of words,
   CLAIM and HEDGE) + ner (SOURCE), trained from scratch on the same training splits for `--spacy-epochs`
   passes (5 by default: about the CPU budget of `curation train`); its F1 on the same development splits
   (CheckThat! 2024 dev, PolNeAR dev) beside rules and model. CoNLL-2010 has no other split, so HEDGE is
   measured on a held-aside fifth of CoNLL-2010 train (the first of the grouped 5 folds, seed 0): spaCy's
   hedge textcat and a HEDGE model of ours are trained on the other four fifths only.
3. Throughput and peak RSS of `curation tasks` (ingest, pre-annotate, validate, write) with the rules and with
   the model, and of the spaCy pipeline over the same texts, on N replicated BBC articles, one process each.

Targets: training < 10 min; prediction >= 50 articles/s on one core; RSS < 500 MB; >= 1x spaCy's throughput.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import ROOT, SHARED, replicate_bbc


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM): ru_maxrss would carry over the parent's across fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured(argv: list[str]) -> dict:
    """Run argv in its own process: wall and CPU seconds and peak RSS of that process (via a wrapper)."""
    code = ("import json,resource,subprocess,sys,time;t=time.perf_counter();"
            "subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL);"
            "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
            "print(json.dumps({'seconds':time.perf_counter()-t,'cpu':u.ru_utime+u.ru_stime,'peak_rss_mb':u.ru_maxrss/1024}))")
    out = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# The spaCy reference


def hedge_split() -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """CoNLL-2010 train as (four fifths to train on, a held-aside fifth), grouped as `curation train` groups it."""
    from curation.evaluation.corpora import conll2010_wiki
    from curation.train.data import CONLL_BLOCK
    from curation.train.folds import folds

    rows = list(conll2010_wiki(SHARED))
    train, test = next(folds([f"conll:{i // CONLL_BLOCK}" for i in range(len(rows))], 0))
    return [rows[i] for i in train], [rows[i] for i in test]


def hedge_held_aside(reference: Path) -> dict:
    """HEDGE sentence F1 on the held-aside fifth: the rules, our HEDGE model trained on the rest (selected by its
    own CV there, as `curation train` does), and the spaCy reference (threshold 0.5, and its best on the fifth)."""
    import numpy as np
    import spacy

    from curation.evaluation import labelled_sentences
    from curation.preannotate.rules import RulePreannotator
    from curation.train import calibration
    from curation.train.data import CONLL_BLOCK
    from curation.train.features import matrix, rules_view
    from curation.train.sentences import SentenceSet, best_threshold, prf, train

    rest, aside = hedge_split()
    data = SentenceSet()
    for i, (text, uncertain) in enumerate(rest):
        data.add(text, uncertain, f"conll:{i // CONLL_BLOCK}")
    data.rule_texts = rules_view(data.texts)
    model, _ = train(data, "HEDGE", 0, lambda _: None)
    texts, gold = [t for t, _ in aside], np.array([y for _, y in aside])
    words = rules_view(texts)
    X = matrix(texts, words if model.params["use_rules"] else None)
    p = calibration.apply(model.params["calibration"], X @ model.coef + model.params["intercept"])
    ours = p >= model.params["threshold"]
    if model.params["combine_with_rules"]:
        ours |= np.array(["R:HEDGE" in w.split() for w in words])
    rules, _ = labelled_sentences(RulePreannotator(), aside, "HEDGE")
    nlp = spacy.load(reference)
    pipe = nlp.get_pipe("hedge")
    docs = [nlp.make_doc(t) for t in texts]
    long = np.array([len(d) >= 2 for d in docs])  # see spacy_train: thinc's n-grams need two tokens
    yes = np.zeros(len(docs))
    yes[long] = pipe.predict([d for d, ok in zip(docs, long) if ok])[:, pipe.labels.index("YES")]
    _, spacy_best = best_threshold(yes, gold, np.round(np.arange(0.05, 0.96, 0.05), 2))
    return {"sentences": len(aside), "rules": round(rules.f1, 3), "model": prf(ours, gold)["f1"],
            "spacy_0.5": prf(yes >= 0.5, gold)["f1"], "spacy_best_threshold_on_the_fifth": round(spacy_best, 3)}


def spacy_train(out: Path, epochs: int) -> None:
    """Train and save the spaCy reference pipeline from the same training splits (HEDGE: four fifths)."""
    import random

    import spacy
    from spacy.training import Example

    from curation.evaluation.corpora import checkthat_rows, polnear_spans
    from curation.preannotate.sentences import split_sentences

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    bow = {"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
                     "no_output_layer": False}}
    for name in ("claim", "hedge"):
        nlp.add_pipe("textcat", name=name, config=bow).add_label("YES")
        nlp.get_pipe(name).add_label("NO")
    nlp.add_pipe("ner").add_label("SOURCE")
    data = {
        "claim": [(t, {"cats": {"YES": float(y), "NO": float(not y)}}) for _, t, y in checkthat_rows(SHARED, "train")],
        "hedge": [(t, {"cats": {"YES": float(y), "NO": float(not y)}}) for t, y in hedge_split()[0]],
        "ner": [],
    }
    for _, text, spans in polnear_spans(SHARED, "train"):
        sources = spans.get("Source", [])
        for s, e in split_sentences(text):
            inside = sorted({(a - s, b - s) for a, b in sources if a >= s and b <= e})
            kept = [(a, b, "SOURCE") for k, (a, b) in enumerate(inside) if k == 0 or a >= inside[k - 1][1]]
            data["ner"].append((text[s:e], {"entities": kept}))
    # thinc's bag-of-n-grams fails on a text of under two tokens (IndexError in ops.ngrams): those are left out
    examples = {pipe: [Example.from_dict(doc, ann) for t, ann in rows if len(doc := nlp.make_doc(t)) >= 2]
                for pipe, rows in data.items()}
    optimizer = nlp.initialize(lambda: [e for rows in examples.values() for e in rows[:200]])
    rng = random.Random(0)
    for epoch in range(epochs):
        for pipe, rows in examples.items():
            rng.shuffle(rows)
            with nlp.select_pipes(enable=[pipe]):
                for i in range(0, len(rows), 64):
                    nlp.update(rows[i:i + 64], sgd=optimizer, drop=0.1)
            print(f"spacy epoch {epoch + 1}: {pipe} done", file=sys.stderr, flush=True)
    nlp.to_disk(out)


class SpacyPreannotator:
    """The spaCy pipeline behind the evaluation's Preannotator interface (positive textcat: a sentence span)."""

    def __init__(self, path: Path) -> None:
        import spacy

        self.nlp = spacy.load(path)
        self.model_version = "spacy-from-scratch"

    def annotate(self, article):
        from curation.models import Document

        doc = self.nlp(article.text)
        sentences = [s for s in doc.sents if len(s) >= 2]  # see spacy_train: thinc's n-grams need two tokens
        spans = {("SOURCE", e.start_char, e.end_char) for e in doc.ents}
        for label, name in (("CLAIM", "claim"), ("HEDGE", "hedge")):
            pipe = self.nlp.get_pipe(name)
            scores = pipe.predict([s.as_doc() for s in sentences]) if sentences else []
            yes = pipe.labels.index("YES")
            spans |= {(label, s.start_char, s.end_char) for s, p in zip(sentences, scores) if p[yes] >= 0.5}
        out = [{"id": f"{label[0]}{s}-{e}", "start": s, "end": e, "text": article.text[s:e], "label": label}
               for label, s, e in sorted(spans)]
        return Document(article=article, model_version=self.model_version, spans=out)


def spacy_pipe(path: Path, texts) -> int:
    """Throughput form: the whole pipeline over each article, every sentence classified by both textcats."""
    import spacy

    nlp = spacy.load(path)
    claim, hedge = nlp.get_pipe("claim"), nlp.get_pipe("hedge")
    n = 0
    for doc in nlp.pipe(texts, batch_size=64):
        sentences = [s.as_doc() for s in doc.sents if len(s) >= 2]
        if sentences:
            claim.predict(sentences)
            hedge.predict(sentences)
        n += 1
    return n


# Contenders of the throughput run (each in its own process)


def predict(kind: str, corpus: Path, model: str) -> None:
    files = sorted(corpus.rglob("*.txt"))
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    start, cpu = time.perf_counter(), cpu_seconds()
    if kind == "spacy":
        articles = spacy_pipe(Path(model), (p.read_text(encoding="utf-8") for p in files))
    else:
        from curation.pipeline import iter_tasks
        from curation.tasks import write_tasks

        with tempfile.TemporaryDirectory() as tmp:
            articles = write_tasks(iter_tasks([corpus], lambda p: None, preannotator=model), Path(tmp) / "t.json")
    print(json.dumps({"contender": kind, "articles": articles, "mb": megabytes, "seconds": time.perf_counter() - start,
                      "cpu": cpu_seconds() - cpu, "peak_rss_mb": peak_rss_mb()}))


def run(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.train", *args], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def development_f1(annotators: list) -> dict:
    from curation.evaluation import CHECKTHAT, POLNEAR, evaluate

    return {a.model_version: {f"{r.corpus} {r.match}": round(r.score.f1, 3)
                              for r in evaluate(SHARED, a, corpora=[POLNEAR, CHECKTHAT])} for a in annotators}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--model", type=Path, help="MODEL_DIR: reused if it holds a model (skips step 1), else "
                        "trained into and kept")
    parser.add_argument("--spacy", type=Path, help="the spaCy reference pipeline's folder: reused if it holds one, "
                        "else trained into and kept")
    parser.add_argument("--spacy-epochs", type=int, default=5)
    sub = parser.add_subparsers(dest="step")
    p = sub.add_parser("predict")
    p.add_argument("kind")
    p.add_argument("corpus", type=Path)
    p.add_argument("what")
    s = sub.add_parser("spacy-train")
    s.add_argument("out", type=Path)
    s.add_argument("epochs", type=int)
    args = parser.parse_args()
    if args.step == "predict":
        return predict(args.kind, args.corpus, args.what)
    if args.step == "spacy-train":
        return spacy_train(args.out, args.epochs)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = args.model or tmp / "model"
        if (model / "model.json").is_file():
            card = json.loads((model / "model.json").read_text())
            print(f"curation train: reused {model}; its card says {card['training']['seconds']} s")
        else:
            fig = measured([sys.executable, "-m", "curation", "train", "-o", str(model), "--benchmarks", str(SHARED)])
            print(f"curation train (3 labels, full public training splits) into {model}: {fig['seconds']:.0f} s "
                  f"wall, {fig['cpu']:.0f} s CPU, peak RSS {fig['peak_rss_mb']:.0f} MB")
        reference = args.spacy or tmp / "spacy"
        if (reference / "meta.json").is_file():
            print(f"spaCy reference: reused {reference}")
        else:
            fig = measured([sys.executable, "-m", "bench.train", "spacy-train", str(reference), str(args.spacy_epochs)])
            print(f"spaCy reference training ({args.spacy_epochs} epochs) into {reference}: {fig['seconds']:.0f} s "
                  f"wall, {fig['cpu']:.0f} s CPU, peak RSS {fig['peak_rss_mb']:.0f} MB")
        corpus = tmp / "bbc"
        replicate_bbc(corpus, args.n)
        runs = [run("predict", "spacy", str(corpus), str(reference)),
                run("predict", "rules", str(corpus), "rules"),
                run("predict", "model", str(corpus), f"model:{model}")]
        spacy_rate = runs[0]["articles"] / runs[0]["cpu"]
        print(f"{'contender':<10}{'articles':>9}{'wall s':>9}{'CPU s':>8}{'art/s CPU':>10}{'MB/s CPU':>9}"
              f"{'RSS MB':>8}{'x spaCy':>8}")
        for r in runs:
            rate = r["articles"] / r["cpu"]
            print(f"{r['contender']:<10}{r['articles']:>9}{r['seconds']:>9.1f}{r['cpu']:>8.1f}{rate:>10.1f}"
                  f"{r['mb'] / r['cpu']:>9.2f}{r['peak_rss_mb']:>8.0f}{rate / spacy_rate:>8.2f}")
        from curation.preannotate import get_preannotator

        print(json.dumps(development_f1([get_preannotator("rules"), get_preannotator(f"model:{model}"),
                                         SpacyPreannotator(reference)]), indent=2))
        print("HEDGE, held-aside fifth of CoNLL-2010 train:", json.dumps(hedge_held_aside(reference)))


if __name__ == "__main__":
    main()
