"""`curation tasks`: articles -> pre-annotated Label Studio import file."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from curation.cli._app import app, fail, progress_bar
from curation.models import Problem
from curation.pipeline import iter_tasks
from curation.preannotate import PreannotatorError, get_preannotator
from curation.tasks import write_tasks


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
    inputs: Annotated[list[Path], typer.Argument(help="Article files or directories (.txt, .md, .html, .jsonl).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Label Studio import file to write.")],
    fmt: Annotated[Format, typer.Option("--format", help="json (one array) or jsonl (one task a line).")] = Format.json,
    preannotator: Annotated[str, typer.Option(help="Pre-annotator to predict spans with: a registered name or model:MODEL_DIR.")] = "rules",
    no_predictions: Annotated[bool, typer.Option("--no-predictions", help="Write tasks without predictions.")] = False,
    workers: Annotated[int, typer.Option(help="Processes for pre-annotation.")] = 1,
    max_bytes: Annotated[int, typer.Option(help="Reject an input file (a JSONL line) larger than this.")] = 10_000_000,
) -> None:
    """Convert articles into pre-annotated Label Studio tasks (one task per article)."""
    try:
        None if no_predictions else get_preannotator(preannotator)  # fails here, clearly, not inside the stream
    except PreannotatorError as exc:
        raise fail(exc) from None
    problems = ProblemLog()
    stream = iter_tasks(
        inputs, problems, preannotator=None if no_predictions else preannotator, workers=workers, max_bytes=max_bytes
    )
    with progress_bar() as progress:
        written = write_tasks(progress.track(stream, description="tasks"), output, fmt.value)
    typer.echo(f"wrote {written} tasks to {output} ({problems.errors} errors, {problems.warnings} warnings)", err=True)
    if problems.errors:
        raise typer.Exit(code=1)
