"""`curation convert`: a dataset version as spaCy DocBin, CoNLL-2003 or Prodigy JSONL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from curation.cli._app import app, fail
from curation.cli.publish import RootOption, version_folder
from curation.cli.server import WorkspaceOption


@app.command()
def convert(
    target: Annotated[str, typer.Argument(help="NAME@X.Y.Z: an existing version.")],
    to: Annotated[str, typer.Option("--to", help="spacy (DocBin, span groups per label), conll (CoNLL-2003) or prodigy (JSONL).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder to write {split}.spacy|.conll|.jsonl into.")],
    root: RootOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Write a version's articles per split in a format other tools train on, on the version's own tokens."""
    from curation.export.convert import FORMATS, convert as run_convert

    if to not in FORMATS:
        raise fail(f"--to {to}: use one of {', '.join(FORMATS)}")
    if to == "spacy":
        try:
            import spacy  # noqa: F401
        except ImportError:
            raise fail("--to spacy needs spaCy: pip install 'curation[spacy]'") from None
    folder = version_folder(target, root, workspace)
    try:
        done = run_convert(folder, to, out)
    except OSError as exc:
        raise fail(f"{out}: {exc.strerror or exc}") from None
    if as_json:
        typer.echo(json.dumps({"out": str(out), "format": to, "articles": done.files, "misaligned_spans": done.misaligned}))
        return
    typer.echo(f"wrote {to} of {folder.parent.name}@{folder.name} to {out}: {done.files} articles per split; "
               f"{done.misaligned} span(s) off token boundaries" + (" (expanded to whole tokens)" if to == "spacy" else ""))
