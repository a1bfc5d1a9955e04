"""The typer application every command module registers on, and what all commands share: errors, JSON, progress.

Exit codes: 0 success, 1 failure (`error: <one line>` on stderr), 2 usage (a bad option or argument, reported by
click before any work starts, also in one `error:` line, with the command's --help to see). Errors are translated
here, once: a `CurationError` (or an OSError, which names its file) becomes its message; anything else is a bug,
named by type and place, never a traceback (tracebacks may hold secrets). CURATION_DEBUG=1 lets the exception
through for a developer.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer._click import Context  # typer vendors its own click; the `click` package's classes are not its
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from curation.errors import CurationError

if TYPE_CHECKING:
    from rich.progress import Progress

DEBUG_VAR = "CURATION_DEBUG"


def fail(exc: Exception | str, code: int = 1) -> typer.Exit:
    """Print `exc` as the error it is (messages never carry secrets) and give the exit to raise."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code)


def unexpected(exc: Exception) -> str:
    """A bug's one line: its type and where it was raised; the message only for built-in exceptions, whose
    messages hold no request headers or URLs (a library's may)."""
    frames = exc.__traceback__
    while frames is not None and frames.tb_next is not None:
        frames = frames.tb_next
    where = f" at {os.path.basename(frames.tb_frame.f_code.co_filename)}:{frames.tb_lineno}" if frames else ""
    message = f": {exc}" if type(exc).__module__ == "builtins" and str(exc) else ""
    return (f"unexpected {type(exc).__name__}{message}{where} (a bug in curation; "
            f"{DEBUG_VAR}=1 shows the traceback)")


class UsageLine(UsageError):
    """A usage error in the one-line form every other error has, instead of click's usage block."""

    def show(self, file: Any = None) -> None:
        see = f" (see '{self.ctx.command_path} --help')" if self.ctx else ""
        typer.echo(f"error: {self.format_message()}{see}", err=True)


def _one_line(exc: UsageError) -> UsageError:
    if isinstance(exc, (UsageLine, NoArgsIsHelpError)):  # the latter shows the help, as asked
        return exc
    return UsageLine(exc.format_message(), exc.ctx)


class CurationGroup(TyperGroup):
    """The root command: runs the chosen command and turns whatever it raises into one `error: …` line."""

    def make_context(self, info_name: str | None, args: list[str], parent: Context | None = None,
                     **extra: Any) -> Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except UsageError as exc:  # a bad option of `curation` itself
            raise _one_line(exc) from None

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:  # a subcommand's bad option or argument (exit 2)
            raise _one_line(exc) from None
        except (typer.Exit, typer.Abort, typer.TyperException):  # click's control flow
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_VAR) or getattr(exc, "errno", None) == errno.EPIPE:  # `| head`: typer exits quietly
                raise
            from curation.cli._failures import known_failure  # a full disk, a failing server (ops)

            raise fail(known_failure(exc) or unexpected(exc)) from None


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import version

        typer.echo(f"curation {version('curation')}")
        raise typer.Exit()


app = typer.Typer(
    name="curation",
    cls=CurationGroup,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,  # plain help: "[default: …]" in a help text is text, not rich markup; no rich import
    pretty_exceptions_show_locals=False,  # locals may hold API tokens
)


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print curation's version and exit.")] = False,
) -> None:
    """Fact-checking annotation and dataset curation: articles -> Label Studio -> Hugging Face datasets."""


def emit(payload: Any) -> None:
    """The one JSON form of every `--json`: one document on stdout, 2-space indent, UTF-8 text left as it is
    (no \\u escapes), keys in the order the command built them; dates and paths as strings."""
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def output(as_json: bool, payload: Any, lines: Iterable[str] = (), notes: Iterable[str] = ()) -> None:
    """A command's result: `payload` as JSON, or its prose `lines` on stdout after `notes` (per-item remarks) on
    stderr. Both forms come from the same values, so they cannot disagree."""
    if as_json:
        emit(payload)
        return
    for note in notes:
        typer.echo(note, err=True)
    for line in lines:
        typer.echo(line)


def progress_bar() -> AbstractContextManager[Progress]:
    """Counters on stderr (stdout stays for results), gone when done; each shows its task's description."""
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


def usage(message: str) -> NoReturn:
    """Refuse a combination of options before any work starts (exit 2)."""
    raise typer.BadParameter(message)
