"""`model.json`: the model card, the one file that says what a MODEL_DIR is and how to read it.

It lists every model file with its sha256 (a truncated or edited file is caught by
name), the schema and library versions the files were made with (another version
is refused, naming the card), the training data, the selection and evaluation
figures, and what the model is not. `model_version` is
`curation-model-<name>-<hash8>`, hash8 taken over everything that decides the
predictions (files' digests, parameters, features, schema), not over the timings.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from curation.export.write import sha256
from curation.errors import CurationError
from curation.schema import SCHEMA

CARD = "model.json"
FORMAT = "curation-model"
FORMAT_VERSION = 3  # 2: the CRF's attribution-frame features; 3: its attributes without their groups' commonest values
# (an older CRF would be fed features it never saw)
FILES = {"CLAIM": "claim.npy", "HEDGE": "hedge.npy", "SOURCE": "source.crfsuite"}
# The libraries whose code reads the model files: the same versions are required to load them.
READERS = ("scikit-learn", "python-crfsuite", "numpy")
NOT = [
    "Not a news-domain model unless it was trained on the project's own reviewed datasets: the public corpora are "
    "US presidential debates (CLAIM), Wikipedia (HEDGE) and US political news of 2016 (SOURCE).",
    "Not a language model and not pretrained: linear models over hashed word and character n-grams and a CRF, "
    "trained from scratch on the data listed under training; English only.",
    "HEDGE and CLAIM are sentence decisions: their spans' extents come from the rules' cues and claim extents "
    "(or the sentence's most hedge-like word), and their scores are calibrated per sentence, not per extent.",
    "Not redistributable when trained on the public corpora: their terms do not allow shipping weights "
    "trained on them.",
    "Not a fact-checker: CLAIM marks what is worth checking, never whether it is true.",
]


class ModelError(CurationError, ValueError):
    """A MODEL_DIR that cannot be used; the message names the file and what is wrong."""


def library_versions() -> dict[str, str]:
    found = {}
    for name in (*READERS, "scipy", "curation"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


def deciding(card: dict[str, Any]) -> dict[str, Any]:
    """The part of the card that decides predictions."""
    return {k: card[k] for k in ("format_version", "schema", "features", "models")} | {
        "files": {name: entry["sha256"] for name, entry in card["files"].items()}}


def model_version(name: str, card: dict[str, Any]) -> str:
    blob = json.dumps(deciding(card), sort_keys=True, separators=(",", ":")).encode()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "model"
    return f"curation-model-{slug}-{hashlib.sha256(blob).hexdigest()[:8]}"


def dumps(card: dict[str, Any]) -> str:
    return json.dumps(card, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read(model_dir: Path) -> dict[str, Any]:
    """The card of `model_dir`, checked against this installation and the files beside it."""
    path = model_dir / CARD
    if not model_dir.is_dir():
        raise ModelError(f"{model_dir}: no such model folder (train one with `curation train -o {model_dir}`)")
    if not path.is_file():
        raise ModelError(f"{path}: missing; {model_dir} is not a folder `curation train` wrote")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not a readable model card ({exc}); the file is damaged or truncated") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise ModelError(f"{path}: not a curation model card")
    try:
        if card["format_version"] != FORMAT_VERSION:
            raise ModelError(f"{path}: model format {card['format_version']}, this curation reads {FORMAT_VERSION}; retrain the model")
        schema = card["schema"]
        if (schema["name"], schema["version"]) != (SCHEMA.name, SCHEMA.schema_version):
            raise ModelError(f"{path}: trained for schema {schema['name']} v{schema['version']}, this project's is "
                             f"{SCHEMA.name} v{SCHEMA.schema_version}; retrain the model")
        installed = library_versions()
        for lib in READERS:
            if card["libraries"][lib] != installed[lib]:
                raise ModelError(f"{path}: made with {lib} {card['libraries'][lib]}, installed is {installed[lib]}; "
                                 f"retrain the model (or install {lib}=={card['libraries'][lib]})")
        for name, entry in card["files"].items():
            file = model_dir / name
            if not file.is_file():
                raise ModelError(f"{file}: missing (listed in {path})")
            if file.stat().st_size != entry["bytes"] or sha256(file) != entry["sha256"]:
                raise ModelError(f"{file}: does not match its sha256 in {path}; the file is truncated or was changed")
        if card["model_version"] != model_version(card["name"], card):
            raise ModelError(f"{path}: its parameters do not match its model_version; the card was edited")
    except (KeyError, TypeError) as exc:
        raise ModelError(f"{path}: incomplete model card (no {exc})") from None
    return card
