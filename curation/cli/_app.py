"""The typer application every command module registers on."""

import typer

app = typer.Typer(
    name="curation",
    help="Fact-checking annotation and dataset curation: articles -> Label Studio -> Hugging Face datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold API tokens
)


def fail(exc: Exception | str, code: int = 1) -> typer.Exit:
    """Print `exc` as the error it is (messages never carry secrets) and give the exit to raise."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code)
