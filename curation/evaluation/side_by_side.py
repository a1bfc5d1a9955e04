"""Rules and a trained model on the same rows: what `curation evaluate --preannotator model:DIR` prints.

Where the model was trained on the corpus being scored (CoNLL-2010 Wikipedia, which
has only a training split), scoring it there would grade it on its own training
data: its row is the out-of-fold figure of its card instead, over the same
sentences, and says so (`how`: cross-validated).
"""

from __future__ import annotations

from pathlib import Path

from curation.evaluation import CONLL, SCORERS, Row, evaluate
from curation.evaluation.scores import PRF
from curation.preannotate import Preannotator

TRAINED_ON = {CONLL: ("CoNLL-2010 Wikipedia train", "HEDGE")}  # corpus row -> (card corpus name, label)


def trained_on(card: dict, corpus: str) -> bool:
    wanted = TRAINED_ON.get(corpus)
    return bool(wanted) and any(c["corpus"] == wanted[0] for c in card["training"]["corpora"])


def cross_validated_row(card: dict, corpus: str, version: str) -> Row | None:
    """The card's out-of-fold figure; None when the training data was too small to cross-validate."""
    label = TRAINED_ON[corpus][1]
    section = card["evaluation"][label]
    if "cross_validation" not in section:
        return None
    figures = section["cross_validation"]["model"]
    score = PRF(figures["tp"], figures["fp"], figures["fn"])
    return Row(corpus, label, "sentence", score, section["sentences"], version, "cross-validated")


def compare(root: Path, rules: Preannotator, model: Preannotator) -> list[Row]:
    """The rules' rows, then the model's (scored, or cross-validated where it trained on the corpus)."""
    rows = evaluate(root, rules)
    card = getattr(model, "card", None)
    for corpus in SCORERS:
        if card is not None and trained_on(card, corpus):
            rows += [row] if (row := cross_validated_row(card, corpus, model.model_version)) else []
        else:
            rows += evaluate(root, model, corpora=[corpus])
    return rows
