"""The typer application every command module registers on."""

import typer

app = typer.Typer(
    name="curation",
    help="Fact-checking annotation and dataset curation: articles -> Label Studio -> Hugging Face datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold API tokens
)
