"""`curation server start|stop|status`: the embedded Label Studio."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from curation import server as ls
from curation.cli._app import app, fail
from curation.server import credentials
from curation.workspace import Workspace, WorkspaceError

server_app = typer.Typer(help="Run the embedded Label Studio server (127.0.0.1; SQLite or PostgreSQL; data under "
                              ".curation/).",
                         no_args_is_help=True)
app.add_typer(server_app, name="server")

WorkspaceOption = Annotated[Optional[Path], typer.Option(
    "--workspace", "-w", help="Workspace folder (default: $CURATION_WORKSPACE, else the current directory).")]


@server_app.command()
def start(
    workspace: WorkspaceOption = None,
    port: Annotated[Optional[int], typer.Option(help="Port on 127.0.0.1 (default 8080; remembered).")] = None,
    use_postgres: Annotated[bool, typer.Option(
        "--postgres", help="Keep Label Studio's data in a PostgreSQL cluster of this workspace's own, made on first "
                           "use (a new workspace only; remembered). Needs PostgreSQL installed: "
                           "apt-get install postgresql.")] = False,
) -> None:
    """Start Label Studio in the background (installing it on first use) and wait until it accepts the API token."""
    ws = Workspace.from_env(workspace)
    try:
        state, created = ls.start(ws, port, echo=lambda message: typer.echo(message, err=True),
                                  use_postgres=use_postgres)
        creds = credentials.load(ws)
    except (ls.ServerError, WorkspaceError) as exc:
        raise fail(exc) from None
    typer.echo(f"Label Studio {state.version} is running at {state.url} (pid {state.pid}; database: {state.database})")
    if created and creds:  # the only time the secrets are shown
        typer.echo(f"  login:     {creds.username}\n  password:  {creds.password.get_secret_value()}\n"
                   f"  API token: {creds.token.get_secret_value()}\n(shown once)")
    typer.echo(f"credentials: {ws.credentials_path} (readable by you only)")


@server_app.command()
def stop(workspace: WorkspaceOption = None) -> None:
    """Stop the embedded Label Studio (SIGTERM, then SIGKILL after 20 s), and its PostgreSQL if it has one."""
    ws = Workspace.from_env(workspace)
    try:
        stopped = ls.stop(ws)
    except (ls.ServerError, WorkspaceError) as exc:
        raise fail(exc) from None
    typer.echo("Label Studio stopped" if stopped else "Label Studio was not running")


@server_app.command()
def status(
    workspace: WorkspaceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """URL, version, pid, database and number of projects of the embedded server; exit 1 if it is not running."""
    ws = Workspace.from_env(workspace)
    try:
        state = ls.status(ws)
        projects = len(list(ls.connect(ws, where=ls.embedded_target(ws)).projects.list())) if state.running else None
    except (ls.ServerError, WorkspaceError) as exc:
        raise fail(exc) from None
    info = {"url": state.url, "running": state.running, "version": state.version, "pid": state.pid,
            "database": state.database, "projects": projects, "workspace": str(ws.root)}
    if as_json:
        typer.echo(json.dumps(info))
    else:
        table = Table(show_header=False, box=None)
        for key, value in info.items():
            table.add_row(key, "-" if value is None else str(value))
        Console().print(table)
    if not state.running:
        raise typer.Exit(1)
