"""`curation tasks`: articles -> pre-annotated Label Studio import file."""

from __future__ import annotations

from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from curation import defaults
from curation.cli import options
from curation.cli._app import app, progress_bar
from curation.cli._app import output as show

if TYPE_CHECKING:
    from curation.models import Problem


class Format(str, Enum):
    json = "json"
    jsonl = "jsonl"


class ProblemLog:
    """Prints each input problem as it happens and keeps it for the summary (and the JSON report)."""

    def __init__(self) -> None:
        self.seen: list[Problem] = []

    def __call__(self, problem: Problem) -> None:
        self.seen.append(problem)
        typer.secho(str(problem), err=True, fg="red" if problem.severity == "error" else "yellow")

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.seen)

    @property
    def warnings(self) -> int:
        return len(self.seen) - self.errors

    def as_json(self) -> list[dict]:
        return [p.model_dump() for p in self.seen]


NearDuplicates = Annotated[bool, typer.Option(
    "--near-duplicates/--no-near-duplicates",
    help="Find syndicated copies and revisions (in the batch and among the project's pushed articles) and give "
         "each article its story_id.")]
Threshold = Annotated[Optional[float], typer.Option(
    help="Near-duplicate threshold: share of the shorter text's 5-word shingles found in the other "
         "[default: the workspace's stories.threshold, 0.6].")]


def open_stories(workspace: Optional[Path], threshold: Optional[float], project_id: Optional[int] = None):  # type: ignore[no-untyped-def]
    """The workspace's stories (its project's registry); a bad threshold or registry is a WorkspaceError."""
    from curation.stories.assign import for_workspace
    from curation.workspace import Workspace

    return for_workspace(Workspace.from_env(workspace), project_id, threshold=threshold)


@app.command("tasks")
def tasks_cli(
    inputs: options.Inputs,
    output: Annotated[Path, typer.Option("--output", "-o", help="Label Studio import file to write.")],
    fmt: Annotated[Format, typer.Option("--format", help="json (one array) or jsonl (one task a line).")] = Format.json,
    preannotator: options.Preannotator = defaults.PREANNOTATOR,
    no_predictions: options.NoPredictions = False,
    workers: options.Workers = defaults.WORKERS,
    max_bytes: options.MaxBytes = defaults.MAX_BYTES,
    near_duplicates: NearDuplicates = True,
    threshold: Threshold = None,
    workspace: options.Workspace = None,
    as_json: options.Json = False,
) -> None:
    """Convert articles into pre-annotated Label Studio tasks (one task per article)."""
    from curation.pipeline import iter_tasks
    from curation.tasks import write_tasks

    problems = ProblemLog()
    stories = open_stories(workspace, threshold) if near_duplicates else None
    shown = None
    if stories is not None:  # curation.stories loads datasketch (and scipy): only when detecting
        from curation.stories.sync import batch_copies

        shown = partial(batch_copies, stories)
    stream = iter_tasks(
        inputs, problems, preannotator=None if no_predictions else preannotator, workers=workers, max_bytes=max_bytes,
        stories=stories,
    )
    with progress_bar() as progress:
        written = write_tasks(progress.track(stream, description="tasks"), output, fmt.value, also_published_as=shown)
    summary = f"wrote {written} tasks to {output} ({problems.errors} errors, {problems.warnings} warnings)"
    show(as_json, {"output": str(output), "format": fmt.value, "tasks": written, "problems": problems.as_json()},
         notes=[summary])
    if problems.errors:
        raise typer.Exit(code=1)
