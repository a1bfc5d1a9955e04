"""`curation convert`: a dataset version as spaCy DocBin, CoNLL-2003 or Prodigy JSONL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from curation.cli import options
from curation.cli._app import app, emit, fail
from curation.cli.publish import version_folder


@app.command()
def convert(
    target: Annotated[str, typer.Argument(help="NAME@X.Y.Z: an existing version.")],
    to: Annotated[str, typer.Option("--to", help="spacy (DocBin, span groups per label), conll (CoNLL-2003) or prodigy (JSONL).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder to write {split}.spacy|.conll|.jsonl into.")],
    root: options.Root = None,
    as_json: options.Json = False,
    workspace: options.Workspace = None,
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
    done = run_convert(folder, to, out)  # an OSError names its file, and _app prints it as one line
    if as_json:
        emit({"out": str(out), "format": to, "articles": done.files, "misaligned_spans": done.misaligned})
        return
    typer.echo(f"wrote {to} of {folder.parent.name}@{folder.name} to {out}: {done.files} articles per split; "
               f"{done.misaligned} span(s) off token boundaries" + (" (expanded to whole tokens)" if to == "spacy" else ""))
