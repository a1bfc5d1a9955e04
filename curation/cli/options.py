"""Options and arguments several commands share, each declared once; their defaults live in `curation.defaults`.

A command writes `workspace: options.Workspace = None` or `preannotator: options.Preannotator = defaults.PREANNOTATOR`.
Values are checked by callbacks before the command starts, so a bad one is a usage error (exit 2) naming the option.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def _existing_folder(value: Optional[Path]) -> Optional[Path]:
    if value is not None and not value.is_dir():
        raise typer.BadParameter(f"{value} does not exist" if not value.exists() else f"{value} is not a folder")
    return value


def _known_preannotator(name: str) -> str:
    from curation.preannotate import MODEL_PREFIX, available

    if name.startswith(MODEL_PREFIX):  # a trained model's folder: checked when it is loaded, naming the file
        return name
    if name not in (names := available()):
        raise typer.BadParameter(f"no pre-annotator {name!r} is installed; available: {', '.join(names) or 'none'}")
    return name


Workspace = Annotated[Optional[Path], typer.Option(
    "--workspace", "-w", metavar="DIR", envvar="CURATION_WORKSPACE", show_envvar=True, callback=_existing_folder,
    help="Workspace folder (default: the current directory).")]

Json = Annotated[bool, typer.Option("--json", help="Print the result as one JSON document (shapes: docs/cli.md).")]

Inputs = Annotated[list[Path], typer.Argument(metavar="PATH", help="Article files or directories (.txt, .md, .html, .jsonl).")]

Preannotator = Annotated[str, typer.Option(
    metavar="NAME", callback=_known_preannotator, help="Installed pre-annotator to predict spans with (`curation preannotators`), or model:MODEL_DIR.")]

NoPredictions = Annotated[bool, typer.Option("--no-predictions", help="Tasks without predictions.")]

Workers = Annotated[int, typer.Option(min=1, metavar="N", help="Processes to work in (the output is the same for any number).")]

MaxBytes = Annotated[int, typer.Option(min=1, metavar="BYTES", help="Reject an input file (a JSONL line) larger than this.")]

Root = Annotated[Optional[Path], typer.Option(metavar="DIR", help="Folder of datasets (default: datasets/ in the workspace).")]

Wait = Annotated[bool, typer.Option("--wait", help="If another operator's command of this kind is running in this "
                                                   "workspace, wait for it to finish instead of stopping.")]
