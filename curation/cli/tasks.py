"""`curation tasks`: articles -> pre-annotated Label Studio import file."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from curation.cli._app import app, fail, progress_bar
from curation.cli.server import WorkspaceOption
from curation.models import Problem
from curation.pipeline import iter_tasks
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


NearDuplicatesOption = Annotated[bool, typer.Option(
    "--near-duplicates/--no-near-duplicates",
    help="Find syndicated copies and revisions (in the batch and among the project's pushed articles) and give "
         "each article its story_id.")]
ThresholdOption = Annotated[Optional[float], typer.Option(
    help="Near-duplicate threshold: share of the shorter text's 5-word shingles found in the other "
         "[default: the workspace's stories.threshold, 0.6].")]


def open_stories(workspace: Optional[Path], threshold: Optional[float]):  # type: ignore[no-untyped-def]
    """The workspace's stories (its project's registry), or fail with one line."""
    from curation.stories.assign import for_workspace
    from curation.workspace import Workspace, WorkspaceError

    try:
        return for_workspace(Workspace.from_env(workspace), threshold=threshold)
    except WorkspaceError as exc:
        raise fail(exc) from None


@app.command()
def tasks(
    inputs: Annotated[list[Path], typer.Argument(help="Article files or directories (.txt, .md, .html, .jsonl).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Label Studio import file to write.")],
    fmt: Annotated[Format, typer.Option("--format", help="json (one array) or jsonl (one task a line).")] = Format.json,
    preannotator: Annotated[str, typer.Option(help="Registered pre-annotator to predict spans with.")] = "rules",
    no_predictions: Annotated[bool, typer.Option("--no-predictions", help="Write tasks without predictions.")] = False,
    workers: Annotated[int, typer.Option(help="Processes for pre-annotation.")] = 1,
    max_bytes: Annotated[int, typer.Option(help="Reject an input file (a JSONL line) larger than this.")] = 10_000_000,
    near_duplicates: NearDuplicatesOption = True,
    threshold: ThresholdOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Convert articles into pre-annotated Label Studio tasks (one task per article)."""
    problems = ProblemLog()
    stream = iter_tasks(
        inputs, problems, preannotator=None if no_predictions else preannotator, workers=workers, max_bytes=max_bytes,
        stories=open_stories(workspace, threshold) if near_duplicates else None,
    )
    with progress_bar() as progress:
        written = write_tasks(progress.track(stream, description="tasks"), output, fmt.value)
    typer.echo(f"wrote {written} tasks to {output} ({problems.errors} errors, {problems.warnings} warnings)", err=True)
    if problems.errors:
        raise typer.Exit(code=1)
