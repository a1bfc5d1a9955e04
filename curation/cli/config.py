"""`curation config` and `curation schema`: artefacts generated from the label schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curation.cli._app import app, emit, usage


@app.command("config")
def config_cli() -> None:
    """Print the Label Studio labeling config generated from the label schema."""
    from curation.labelconfig import labeling_config

    typer.echo(labeling_config(), nl=False)


@app.command("schema")
def schema_cli(
    write: Annotated[bool, typer.Option("--write", help="Regenerate the committed JSON Schemas.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1, listing them, if committed JSON Schemas are stale.")] = False,
    directory: Annotated[Optional[Path], typer.Option(help="Where the JSON Schemas live [default: schemas/v1].")] = None,
) -> None:
    """Print, write or check the JSON Schemas of curation's data contracts."""
    from curation import jsonschemas

    if write and check:
        usage("use either --write or --check")
    if write:
        for name in jsonschemas.write(directory):
            typer.echo(f"wrote {name}")
    elif check:
        if stale := jsonschemas.stale(directory):
            typer.echo("stale JSON Schemas (run `curation schema --write`):", err=True)
            for name in stale:
                typer.echo(f"  {name}", err=True)
            raise typer.Exit(1)
        typer.echo("JSON Schemas are up to date")
    else:
        emit(jsonschemas.generate())
