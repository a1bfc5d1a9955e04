"""`curation server start|stop|status|prune`: the embedded Label Studio."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from curation.cli import options
from curation.cli._app import app, emit

server_app = typer.Typer(help="Run the embedded Label Studio server (127.0.0.1; SQLite or PostgreSQL; data under "
                              ".curation/).",
                         no_args_is_help=True)
app.add_typer(server_app, name="server")


@server_app.command("start")
def start_cli(
    workspace: options.Workspace = None,
    port: Annotated[Optional[int], typer.Option(min=1, max=65535, help="Port on 127.0.0.1 (default 8080; remembered).")] = None,
    use_postgres: Annotated[bool, typer.Option(
        "--postgres", help="Keep Label Studio's data in a PostgreSQL cluster of this workspace's own, made on first "
                           "use (a new workspace only; remembered). Needs PostgreSQL installed: "
                           "apt-get install postgresql.")] = False,
) -> None:
    """Start Label Studio in the background (installing it on first use) and wait until it accepts the API token."""
    from curation.server import credentials, start
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    state, created = start(ws, port, echo=lambda message: typer.echo(message, err=True), use_postgres=use_postgres)
    creds = credentials.load(ws)
    typer.echo(f"Label Studio {state.version} is running at {state.url} (pid {state.pid}; database: {state.database})")
    if created and creds:  # the only time the secrets are shown
        typer.echo(f"  login:     {creds.username}\n  password:  {creds.password.get_secret_value()}\n"
                   f"  API token: {creds.token.get_secret_value()}\n(shown once)")
    typer.echo(f"credentials: {ws.credentials_path} (readable by you only)")


@server_app.command("stop")
def stop_cli(workspace: options.Workspace = None) -> None:
    """Stop the embedded Label Studio (SIGTERM, then SIGKILL after 20 s), and its PostgreSQL if it has one."""
    from curation.server import stop
    from curation.workspace import Workspace

    stopped = stop(Workspace.from_env(workspace))
    typer.echo("Label Studio stopped" if stopped else "Label Studio was not running")


@server_app.command("status")
def status_cli(workspace: options.Workspace = None, as_json: options.Json = False) -> None:
    """URL, version, pid, database and number of projects of the embedded server; exit 1 if it is not running."""
    from rich.console import Console
    from rich.table import Table

    from curation.server import connect, embedded_target, status
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    state = status(ws)
    projects = len(list(connect(ws, where=embedded_target(ws)).projects.list())) if state.running else None
    info = {"url": state.url, "running": state.running, "version": state.version, "pid": state.pid,
            "database": state.database, "projects": projects, "workspace": str(ws.root)}
    if as_json:
        emit(info)
    else:
        table = Table(show_header=False, box=None)
        for key, value in info.items():
            table.add_row(key, "-" if value is None else str(value))
        Console().print(table)
    if not state.running:
        raise typer.Exit(1)


@server_app.command("prune")
def prune_cli(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be deleted; delete nothing.")] = False,
    as_json: options.Json = False,
) -> None:
    """Stop and delete the PostgreSQL clusters that deleted workspaces left behind (root only: they live in
    the postgres user's home, outside any workspace); clusters a workspace still uses are kept."""
    import os

    from curation.server.postgres import SYSTEM_USER, prune

    found = prune(dry_run)
    if as_json:
        emit([{**item.model_dump(mode="json"), "megabytes": round(item.megabytes, 1)} for item in found])
        return
    if not found:
        typer.echo(f"no PostgreSQL clusters in the {SYSTEM_USER} user's home" if os.geteuid() == 0 else
                   "nothing to prune: run by you, a workspace's PostgreSQL lives inside it and goes with it")
    for item in found:
        verb = ("would delete" if dry_run else "deleted") if item.removed else "kept"
        typer.echo(f"{verb} {item.path} ({item.megabytes:.1f} MB): {item.reason}")
