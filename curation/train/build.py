"""`curation train`: training data -> three models -> a MODEL_DIR that appears whole or not at all.

Everything is written into a hidden temporary folder beside MODEL_DIR
(`.NAME.partial-PID-*`) and renamed into place at the end, so a killed training
leaves MODEL_DIR as it was (absent, or the previous model); the next training of
that MODEL_DIR removes such folders once the process named in them is gone. The
same data and seed give byte-identical model files and card, except the card's
`training.seconds`.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from curation import memory
from curation.export.write import sha256
from curation.pids import alive
from curation.schema import SCHEMA
from curation.train import card as cards
from curation.train import sentences, spans
from curation.train.data import TrainingData, add_corpora, add_dataset
from curation.train.errors import DataError
from curation.train.features import N_FEATURES

Say = Callable[[str], None]
PARTIAL, OLD = "partial", "old"  # .NAME.partial-PID-*: a training in progress; .NAME.old-PID-*: a model being replaced


def check_target(out: Path) -> None:
    if out.exists() and not (out / cards.CARD).is_file() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"{out}: exists and is not a model folder; choose another -o (a model folder is replaced)")


def gather(datasets: list[str], dataset_root: Path | None, benchmarks: Path | None, say: Say) -> TrainingData:
    if not datasets and benchmarks is None:
        raise DataError("nothing to train on: give --dataset NAME@X.Y.Z and/or --benchmarks DIR")
    if datasets and dataset_root is None:
        raise DataError("--dataset: no folder of exported datasets given (--root)")
    data = TrainingData()
    for ref in datasets:
        say(f"reading dataset {ref}")
        add_dataset(data, dataset_root, ref)
    if benchmarks is not None:
        say(f"reading the public corpora's training splits under {benchmarks}")
        add_corpora(data, benchmarks)
    for label, found in (("CLAIM", data.claim.labels), ("HEDGE", data.hedge.labels)):
        if len(set(found)) < 2:
            kind = "sentences" if not found else "positive" if found[0] else "negative"
            raise DataError(f"{label}: the training data has only {kind} sentences; a decision needs both")
    if not data.source.docs:
        raise DataError("no documents to train the SOURCE tagger on in the data given")
    return data


def train_model(out: Path, *, datasets: list[str], dataset_root: Path | None, benchmarks: Path | None, seed: int = 0,
          name: str | None = None, say: Say = lambda _: None) -> dict:
    """Train, evaluate and write MODEL_DIR `out`; returns its card."""
    started = time.perf_counter()
    out = out.resolve()
    check_target(out)
    remove_stale(out)
    data = gather(datasets, dataset_root, benchmarks, say)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{PARTIAL}-{os.getpid()}-", dir=out.parent))
    try:
        models, evaluation = {}, {}
        # SOURCE first: the CRF's training data is the largest allocation of a training, and before the sentence
        # models (scikit-learn, scipy, their matrices) it sits on an almost empty heap
        models["SOURCE"], evaluation["SOURCE"] = spans.train(data.source, str(tmp / cards.FILES["SOURCE"]), seed, say)
        data.source.docs.clear()
        memory.release()
        say(f"the rules over {len(data.claim.texts) + len(data.hedge.texts)} training sentences")
        data.finish()
        for label, data_set, file in (("CLAIM", data.claim, cards.FILES["CLAIM"]), ("HEDGE", data.hedge, cards.FILES["HEDGE"])):
            model, evaluation[label] = sentences.train(data_set, label, seed, say)
            np.save(tmp / file, model.coef, allow_pickle=False)
            models[label] = model.params
            memory.release()
        card = {
            "format": cards.FORMAT, "format_version": cards.FORMAT_VERSION, "name": name or out.name,
            "schema": {"name": SCHEMA.name, "version": SCHEMA.schema_version},
            "labels": ["CLAIM", "HEDGE", "SOURCE"],
            "features": {"n_features": N_FEATURES, "blocks": ["word 1-2-grams", "char_wb 3-6-grams", "rules' regions"]},
            "models": models,
            "files": {f: {"sha256": sha256(tmp / f), "bytes": (tmp / f).stat().st_size}
                      for f in sorted(cards.FILES.values())},
            "libraries": cards.library_versions(),
            "training": {**data.provenance, "seed": seed,
                         "reproducible": "same data and seed give byte-identical model files and card, "
                                         "except training.seconds"},
            "evaluation": evaluation,
            "not": cards.NOT,
        }
        card["model_version"] = cards.model_version(card["name"], card)
        (tmp / cards.CARD).write_text(cards.dumps(card), encoding="utf-8")
        if benchmarks is not None:
            card["evaluation"]["development"] = development(tmp, benchmarks, say)
        card["training"]["seconds"] = round(time.perf_counter() - started, 1)
        (tmp / cards.CARD).write_text(cards.dumps(card), encoding="utf-8")
        install(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"wrote {out} ({card['model_version']})")
    return card


def development(model_dir: Path, benchmarks: Path, say: Say) -> list[dict]:
    """Rules and model on the development splits the model was not trained on (PolNeAR dev, CheckThat! dev)."""
    from curation.evaluation import DEVELOPMENT_SPLITS, evaluate
    from curation.preannotate.model import ModelPreannotator
    from curation.preannotate.rules import RulePreannotator

    present = [c for c, path in DEVELOPMENT_SPLITS.items() if (benchmarks / path).exists()]
    if present:
        say(f"scoring rules and model on {', '.join(present)}")
    rows = []
    for annotator in (RulePreannotator(), ModelPreannotator(model_dir)) if present else ():
        rows += [r.as_dict() for r in evaluate(benchmarks, annotator, corpora=present)]
    return rows


def remove_stale(out: Path) -> None:
    """Remove what trainings of `out` killed half-way (SIGKILL, power cut) left beside it: their
    `.NAME.partial-PID-*` folders, and `.NAME.old-PID-*` ones, whose model is put back first if the kill came
    between install's two renames. Only folders whose process PID is gone: a running training keeps its own."""
    for kind in (PARTIAL, OLD):
        prefix = f".{out.name}.{kind}-"
        for path in sorted(out.parent.glob(f"{glob.escape(prefix)}*")):
            pid = path.name[len(prefix):].split("-", 1)[0]
            if not pid.isdigit() or alive(int(pid)):
                continue
            if kind == OLD and not out.exists() and (path / "model" / cards.CARD).is_file():
                os.rename(path / "model", out)
            shutil.rmtree(path, ignore_errors=True)


def install(tmp: Path, out: Path) -> None:
    """Put the finished folder at `out` by rename; a previous model there is replaced, never mixed with."""
    os.chmod(tmp, 0o755)
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.{OLD}-{os.getpid()}-", dir=out.parent))
        os.rename(out, old / "model")
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)
