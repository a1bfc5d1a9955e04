"""`curation team add|list|remove` and `curation review`: the people who annotate and review, and their queue.

Library modules are imported inside the commands: `curation --help` must not load them.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from curation.cli import options
from curation.cli._app import app, emit, fail

team_app = typer.Typer(help="The annotation team: annotators and reviewers with logins of their own.",
                       no_args_is_help=True)
app.add_typer(team_app, name="team")


@team_app.command("add")
def add_cli(
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their Label Studio login).")],
    role: Annotated[str, typer.Option(help="annotator or reviewer (only reviewers' accepts make a task reviewed).")],
    name: Annotated[Optional[str], typer.Option(help='Their name, "First Last", shown to maintainers.')] = None,
    workspace: options.Workspace = None,
    as_json: options.Json = False,
) -> None:
    """Invite EMAIL into Label Studio with a login of their own and give them ROLE (again: change the role)."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    from curation.server import connect, target
    from curation.team import members
    from curation.team.roster import checked_email, checked_role
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    checked_email(email), checked_role(role)  # before any connection: bad input changes nothing
    client, url = connect(ws), target(ws).url
    try:
        added = members.add_member(client, url, ws, email, role, name)
    except (httpx.HTTPError, ApiError) as exc:  # an ApiError's text holds request headers: name only its status
        what = f"HTTP {exc.status_code}" if isinstance(exc, ApiError) else type(exc).__name__
        raise fail(f"Label Studio failed while adding {email} ({what}); run the command again") from None
    member, account = added.member, added.account
    secrets = {"password": account.password.get_secret_value(), "token": account.token.get_secret_value()} \
        if account else {"password": None, "token": None}
    if as_json:
        emit({"email": member.email, "role": member.role, "user_id": member.user_id, **secrets})
    else:
        typer.echo(f"{member.email}: {added.change}, role {member.role} (Label Studio user {member.user_id})")
        if account:
            typer.echo(f"  login:     {member.email}\n  password:  {secrets['password']}\n  API token: {secrets['token']}\n"
                       f"  sign in:   {url}/user/login/\n(shown once; curation keeps no copy: give it to them privately)")
        elif added.change == "adopted":
            typer.echo("  already a Label Studio user: they keep their own login")
    typer.echo(f"note: {members.INDEPENDENCE}", err=True)


@team_app.command("list")
def list_cli(workspace: options.Workspace = None, as_json: options.Json = False) -> None:
    """Members: e-mail, name, role, Label Studio user id, dataset pseudonym, annotations, reviews and skips."""
    from rich.console import Console
    from rich.table import Table

    from curation.team.members import team_rows
    from curation.workspace import Workspace

    rows = team_rows(Workspace.from_env(workspace))
    if as_json:
        emit(rows)
        return
    counts = ("annotations", "reviews", "self_accepts", "skips")
    table = Table(title="team (from the last pull)")
    for column in ("email", "name", "role", "user_id", "pseudonym", *counts):
        table.add_column(column.replace("_", " "), justify="right" if column in (*counts, "user_id") else "left")
    for row in rows:
        role = row["role"] if row["active"] else f"{row['role']} (removed)"
        table.add_row(row["email"], row["name"] or "", role, *(str(row[c]) for c in ("user_id", "pseudonym", *counts)))
    Console().print(table)


@team_app.command("remove")
def remove_cli(
    email: Annotated[str, typer.Argument(help="The member's e-mail address.")],
    workspace: options.Workspace = None,
) -> None:
    """Deactivate EMAIL: Label Studio no longer lets their login or token into any project; their annotations stay."""
    from label_studio_sdk.core.api_error import ApiError

    from curation.server import connect
    from curation.team import members
    from curation.team.roster import TeamError, checked_email, load
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    member = load(ws).member(checked_email(email))
    if member is None or not member.active:  # before any connection
        raise TeamError(f"{email} is not an active member of this workspace's team (`curation team list`)")
    try:
        member = members.remove_member(connect(ws), ws, email)
    except ApiError as exc:  # its text carries request headers: name only the status
        raise fail(f"Label Studio refused to remove {email} (HTTP {exc.status_code}); nothing changed") from None
    typer.echo(f"{member.email}: removed (Label Studio membership deactivated; their annotations stay)")


@app.command("review")
def review_cli(
    workspace: options.Workspace = None,
    sample: Annotated[float, typer.Option(min=0, max=100, help="Also queue this % of other annotated tasks.")] = 0.0,
    limit: Annotated[int, typer.Option(min=1, help="Queue at most this many tasks.")] = 200,
    as_json: options.Json = False,
) -> None:
    """Put the tasks that need a reviewer (all their annotators done, disputed, or sampled) in a "Review queue"
    tab, each annotator's annotation shown by name; reviewers accept one, and `curation pull` brings it back."""
    from curation.cli.quality import label_studio_url, loaded
    from curation.server import connect
    from curation.team.queue import TAB, needing_review, publish_review
    from curation.team.roster import names, review_rule

    ws, pulled = loaded(workspace)
    project_id = ws.config().project_id
    name = names(ws)
    queue = needing_review(pulled, review_rule(ws), ws.config().overlap or 2, sample, name)[:limit]
    client = connect(ws)
    added, tab = publish_review(client, project_id, queue, pulled, name)
    url = label_studio_url(ws)
    found = [{"task_id": q.task_id, "reason": q.reason, "annotators": list(q.annotators), "predictions_added": added[q.task_id],
              "link": f"{url}/projects/{project_id}/data?tab={tab}&task={q.task_id}"} for q in queue]
    if as_json:
        emit({"tab": tab, "tasks": found})
        return
    for task in found:
        typer.echo(f"task {task['task_id']} ({task['reason']}; {', '.join(task['annotators'])})  {task['link']}")
    typer.echo(f"{len(found)} tasks in the {TAB!r} tab: {url}/projects/{project_id}/data?tab={tab}\n"
               "A reviewer opens each, picks the annotator:<name> prediction that should stand (or corrects it), "
               "sets the review decision to accept and submits; then `curation pull`.")
