"""`curation server start|stop|status`: the embedded Label Studio."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from curation import server as ls
from curation.cli._app import app
from curation.server import credentials
from curation.workspace import Workspace

server_app = typer.Typer(help="Run the embedded Label Studio server (127.0.0.1, SQLite, data under .curation/).",
                         no_args_is_help=True)
app.add_typer(server_app, name="server")

WorkspaceOption = Annotated[Optional[Path], typer.Option("--workspace", "-w", help="Workspace folder (default: cwd).")]


@server_app.command()
def start(
    workspace: WorkspaceOption = None,
    port: Annotated[Optional[int], typer.Option(help="Port on 127.0.0.1 (default 8080, kept in the workspace).")] = None,
) -> None:
    """Start Label Studio in the background (installing it on first use) and wait until it answers."""
    ws = Workspace.from_env(workspace)
    try:
        state, created = ls.start(ws, port, echo=lambda m: typer.echo(m, err=True))
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Label Studio {state.version} is running at {state.url} (pid {state.pid})")
    creds = credentials.load(ws)
    if created and creds:
        typer.echo(f"login: {creds.username}  password: {creds.password.get_secret_value()}  (shown once)")
    typer.echo(f"credentials and API token: {ws.credentials_path} (readable by you only)")


@server_app.command()
def stop(workspace: WorkspaceOption = None) -> None:
    """Stop the embedded Label Studio."""
    ws = Workspace.from_env(workspace)
    typer.echo("stopped" if ls.stop(ws) else "Label Studio was not running")


@server_app.command()
def status(
    workspace: WorkspaceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """URL, version, pid and number of projects of the embedded server."""
    ws = Workspace.from_env(workspace)
    state = ls.status(ws)
    projects = None
    if state.running:
        try:
            projects = len(list(ls.connect(ws).projects.list()))
        except ls.ConnectionProblem as exc:
            typer.echo(f"warning: {exc}", err=True)
    info = {"url": state.url, "running": state.running, "version": state.version, "pid": state.pid, "projects": projects}
    if as_json:
        typer.echo(json.dumps(info))
        return
    for key, value in info.items():
        typer.echo(f"{key:>9}: {value}")
    if not state.running:
        raise typer.Exit(1)
