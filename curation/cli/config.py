"""`curation config` and `curation schema`: artefacts generated from the label schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curation import jsonschemas
from curation.cli._app import app
from curation.labelconfig import labeling_config


@app.command()
def config() -> None:
    """Print the Label Studio labeling config generated from the label schema."""
    typer.echo(labeling_config(), nl=False)


@app.command()
def schema(
    write: Annotated[bool, typer.Option("--write", help="Regenerate the JSON Schemas.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if the committed JSON Schemas are stale.")] = False,
    directory: Annotated[Optional[Path], typer.Option(help="Where the JSON Schemas live.")] = None,
) -> None:
    """Write or check the JSON Schemas of curation's data contracts (schemas/v1/)."""
    if write:
        for name in jsonschemas.write(directory):
            typer.echo(f"wrote {name}")
    elif check:
        if stale := jsonschemas.stale(directory):
            typer.echo(f"stale JSON Schemas: {', '.join(stale)}; run `curation schema --write`", err=True)
            raise typer.Exit(1)
        typer.echo("JSON Schemas are up to date")
    else:
        for name, text in jsonschemas.generate().items():
            typer.echo(f"# {name}\n{text}")
