"""`curation tasks`: articles -> pre-annotated Label Studio import file."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from curation import defaults
from curation.cli import options
from curation.cli._app import app, progress_bar

if TYPE_CHECKING:
    from curation.models import Problem


class Format(str, Enum):
    json = "json"
    jsonl = "jsonl"


class ProblemLog:
    """Prints each input problem as it happens and remembers whether any was an error."""

    def __init__(self) -> None:
        self.errors = 0
        self.warnings = 0

    def __call__(self, problem: Problem) -> None:
        if problem.severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
        typer.secho(str(problem), err=True, fg="red" if problem.severity == "error" else "yellow")


@app.command()
def tasks(
    inputs: options.Inputs,
    output: Annotated[Path, typer.Option("--output", "-o", help="Label Studio import file to write.")],
    fmt: Annotated[Format, typer.Option("--format", help="json (one array) or jsonl (one task a line).")] = Format.json,
    preannotator: options.Preannotator = defaults.PREANNOTATOR,
    no_predictions: options.NoPredictions = False,
    workers: options.Workers = defaults.WORKERS,
    max_bytes: options.MaxBytes = defaults.MAX_BYTES,
) -> None:
    """Convert articles into pre-annotated Label Studio tasks (one task per article)."""
    from curation.pipeline import iter_tasks
    from curation.tasks import write_tasks

    problems = ProblemLog()
    stream = iter_tasks(
        inputs, problems, preannotator=None if no_predictions else preannotator, workers=workers, max_bytes=max_bytes
    )
    with progress_bar() as progress:
        written = write_tasks(progress.track(stream, description="tasks"), output, fmt.value)
    typer.echo(f"wrote {written} tasks to {output} ({problems.errors} errors, {problems.warnings} warnings)", err=True)
    if problems.errors:
        raise typer.Exit(code=1)
