"""The typer application every command module registers on."""

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from curation.cli._failures import GuardedGroup

app = typer.Typer(
    name="curation",
    cls=GuardedGroup,  # known failures of any command: one line, never a traceback
    help="Fact-checking annotation and dataset curation: articles -> Label Studio -> Hugging Face datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold API tokens
)


def fail(exc: Exception | str, code: int = 1) -> typer.Exit:
    """Print `exc` as the error it is (messages never carry secrets) and give the exit to raise."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code)


def progress_bar() -> Progress:
    """Counters on stderr (stdout stays for results), gone when done; each shows its task's description."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)
