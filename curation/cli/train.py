"""`curation train`: exported dataset versions and/or the public corpora -> a trained pre-annotator (MODEL_DIR)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from curation.cli import options
from curation.cli._app import app, emit


@app.command("train")
def train_cli(
    output: Annotated[Path, typer.Option("--output", "-o", metavar="MODEL_DIR", help="MODEL_DIR to write (replaced whole if it holds a model).")],
    dataset: Annotated[Optional[list[str]], typer.Option(
        "--dataset", metavar="NAME@X.Y.Z", help="An exported version to train on, NAME@X.Y.Z (repeatable); its train and validation splits.")] = None,
    benchmarks: Annotated[Optional[Path], typer.Option(
        metavar="DIR", help="Folder of the public corpora: train on CheckThat! 2024 train, CoNLL-2010 Wikipedia train, PolNeAR train.")] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the cross-validation folds.")] = 0,
    name: Annotated[Optional[str], typer.Option(metavar="NAME", help="Model name in its model_version (default: MODEL_DIR's name).")] = None,
    root: options.Root = None,
    as_json: options.Json = False,
    workspace: options.Workspace = None,
) -> None:
    """Train a CLAIM / HEDGE / SOURCE pre-annotator; use it with --preannotator model:MODEL_DIR."""
    from curation.train.build import train_model

    started = time.perf_counter()

    def say(message: str) -> None:
        typer.echo(f"[{time.perf_counter() - started:6.1f}s] {message}", err=True)

    dataset_root = root
    if dataset_root is None and dataset:  # the export's module brings polars and pyarrow (+134 MB) along
        from curation.export.build import default_root
        from curation.workspace import Workspace

        dataset_root = default_root(Workspace.from_env(workspace))
    card = train_model(output, datasets=dataset or [], dataset_root=dataset_root, benchmarks=benchmarks, seed=seed,
                       name=name, say=say)  # a DataError or ModelError is a CurationError: one `error: ...` line
    if as_json:
        emit(card)
        return
    show_card(card)


def show_card(card: dict) -> None:
    """Cross-validated figures per label, rules against model, and the reliability of the scores."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{card['model_version']}: cross-validation on the training data")
    for column in ("label", "match", "rules F1", "model F1", "model P", "model R", "ECE", "selected"):
        table.add_column(column, justify="left" if column in ("label", "match", "selected") else "right")
    for label in card["labels"]:
        section = card["evaluation"][label]
        cv = section.get("cross_validation")
        if cv is None:
            table.add_row(label, "-", "-", "-", "-", "-", "-", str(section["selection"]))
            continue
        params = card["models"][label]
        decoding = "viterbi" if params.get("decoding") is None else f"P(SOURCE) >= {params['decoding']}"
        chosen = (f"tags {'+'.join(params['tags'])}, {params['algorithm']} {params['max_iterations']} passes, {decoding}"
                  if label == "SOURCE" else
                  f"alpha={params['alpha']:g}, rules as features: {params['use_rules']}, threshold {params['threshold']}, "
                  f"or rules: {params['combine_with_rules']}")
        matches = ("exact", "overlap") if label == "SOURCE" else (None,)
        for match in matches:
            model = cv["model"][match] if match else cv["model"]
            rules = cv["rules"][match] if match else cv["rules"]
            table.add_row(label, match or "sentence", f"{rules['f1']:.3f}", f"{model['f1']:.3f}",
                          f"{model['precision']:.3f}", f"{model['recall']:.3f}",
                          f"{section['expected_calibration_error']:.3f}", chosen)
    console.print(table)
    typer.echo(f"training: {card['training']['seconds']} s; the card: model.json")
