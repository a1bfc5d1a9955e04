"""`curation agreement`, `curation disagreements`, `curation report`: annotation quality from pulled snapshots."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from curation.cli import options
from curation.cli._app import app, emit, fail, output

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

    from curation.quality.annotations import Pulled
    from curation.quality.disputes import TaskDispute
    from curation.workspace import Workspace


def label_studio_url(ws: Workspace) -> str:
    """The server links point to: $LABEL_STUDIO_URL, else the workspace's remote server, else the embedded one."""
    from curation.server.client import URL_VAR
    from curation.server.process import url_for

    config = ws.config()
    return (os.environ.get(URL_VAR) or config.label_studio_url or url_for(config.port)).rstrip("/")


def print_frame(console: Console, title: str, frame: pl.DataFrame) -> None:
    """A polars frame as a rich table, numbers right-aligned, floats to three decimals (— when undefined)."""
    from rich.table import Table

    table = Table(title=title)
    for name, dtype in frame.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        table.add_row(*("—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)


def loaded(workspace: Path | None) -> tuple[Workspace, Pulled]:
    """The workspace and its pulled annotations; annotations that could not be read are warned about."""
    from curation.quality.annotations import load
    from curation.workspace import Workspace

    from curation.team import roster

    ws = Workspace.from_env(workspace)
    pulled = load(ws)
    roster.load(ws)  # a damaged roster is named here, before any figure
    for problem in pulled.problems:
        typer.echo(f"warning: {problem}", err=True)
    return ws, pulled


def show(as_json: bool, payload: dict, heading: str, tables: list[tuple[str, pl.DataFrame]]) -> None:
    """`payload` as JSON, or the heading and the tables."""
    from rich.console import Console

    if as_json:
        emit(payload)
        return
    console = Console()
    console.print(heading)
    for title, frame in tables:
        print_frame(console, title, frame)


@app.command("agreement")
def agreement_cli(workspace: options.Workspace = None, as_json: options.Json = False) -> None:
    """Agreement between annotators on tasks two or more submitted: span F1, Krippendorff's alpha, Cohen's kappa."""
    from curation.quality.agreement import agreement, named
    from curation.team.roster import names, review_rule

    ws, pulled = loaded(workspace)
    result = agreement(pulled, review_rule(ws))
    name = names(ws)
    show(as_json, result.as_dict(name), f"{result.tasks} tasks with two or more annotators", [
        ("span agreement between annotator pairs", result.spans),
        ("span agreement per annotator pair", named(result.pairs, name)),
        ("Krippendorff's alpha over tokens (nominal)", result.alpha),
        ("Cohen's kappa on matched regions and the review decision", result.kappa),
        ("relation agreement", result.relations),
        ("annotators against the final annotation", named(result.versus_final, name))])


def dispute_json(d: TaskDispute, url: str, project_id: int | None, name: Callable[[int | None], str] = str) -> dict:
    """A disputed task, each annotator shown as `name(user id)`."""
    return {"task_id": d.task_id, "link": d.link(url, project_id) if project_id is not None else None,
            "annotators": [name(a) for a in d.annotators], "agreement": d.agreement,
            "regions": [{"label": r.label, "start": r.start, "end": r.end, "text": r.text,
                         "marked_by": [name(a) for a in r.marked_by], "not_marked_by": [name(a) for a in r.not_marked_by]}
                        for r in d.regions],
            "choices": [{"field": c.field, "region": c.region, "values": {name(k): v for k, v in c.values.items()}}
                        for c in d.choices]}


@app.command("disagreements")
def disagreements_cli(
    workspace: options.Workspace = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many tasks.")] = 20,
    as_json: options.Json = False,
) -> None:
    """Tasks where annotators disagree, most disputed first, with the regions and choices in dispute and a link."""
    from curation.quality.disputes import disputes
    from curation.team.roster import names

    ws, pulled = loaded(workspace)
    name = names(ws)
    found = [dispute_json(d, label_studio_url(ws), ws.config().project_id, name)
             for d in disputes(pulled.multi_annotated())[:limit]]
    if as_json:
        emit(found)
        return
    for task in found:
        typer.echo(f"task {task['task_id']}  agreement {task['agreement']:.3f}  annotators {task['annotators']}  {task['link'] or ''}")
        for r in task["regions"]:
            typer.echo(f"  {r['label']} {r['start']}-{r['end']} {r['text']!r}: marked by {r['marked_by']}, not by {r['not_marked_by']}")
        for c in task["choices"]:
            typer.echo(f"  {c['field']} {c['region']}: {c['values']}")
    if not found:
        typer.echo("no disagreements")


def show_utility(workspace: Path | None, as_json: bool) -> None:
    """`curation evaluate --reviewed`: pre-annotations against reviewed annotations."""
    import polars as pl

    from curation.quality.utility import utility
    from curation.team.roster import review_rule

    ws, pulled = loaded(workspace)
    result = utility(pulled, review_rule(ws))
    show(as_json, result.as_dict(), f"{', '.join(result.model_versions) or 'no predictions'} on {result.tasks} reviewed tasks", [
        ("predictions against the final annotations", result.spans),
        ("predicted regions kept, edited, deleted; regions added", pl.DataFrame([result.regions])),
        ("lead time (s) with and without predictions", result.lead_time)])


@app.command("report")
def report_cli(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for index.html and its PNG plots.")] = Path("report"),
    workspace: options.Workspace = None,
    limit: Annotated[int, typer.Option(min=1, help="Disputed tasks to list.")] = 10,
    as_json: options.Json = False,
) -> None:
    """Write an offline HTML quality report: progress, labels, agreement, annotators, pre-annotation, disputes."""
    from curation.quality.report import write_report
    from curation.team.roster import names, review_rule

    ws, pulled = loaded(workspace)
    if pulled.live.is_empty():
        raise fail(f"no pulled annotations in {ws.dir / 'snapshots'}: run `curation pull` first")
    page = write_report(pulled, review_rule(ws), out, url=label_studio_url(ws), project_id=ws.config().project_id,
                        limit=limit, name=names(ws))
    output(as_json, {"page": str(page)}, [f"wrote {page}"])


@app.command("adjudicate")
def adjudicate_cli(
    workspace: options.Workspace = None,
    limit: Annotated[int, typer.Option(min=1, help="Prepare at most this many disputed tasks, most disputed first.")] = 50,
    as_json: options.Json = False,
) -> None:
    """Add each disputed task's competing annotations as predictions (model version annotator:<name>) for a reviewer."""
    from curation.quality.adjudicate import adjudicate
    from curation.quality.disputes import disputes
    from curation.server import connect
    from curation.team.roster import names

    ws, pulled = loaded(workspace)  # fails clearly when the workspace has no project
    project_id = ws.config().project_id
    tasks = pulled.multi_annotated()
    found = disputes(tasks)[:limit]
    added = adjudicate(connect(ws), [d.task_id for d in found], tasks, names(ws))
    url = label_studio_url(ws)
    prepared = [{"task_id": d.task_id, "predictions_added": added[d.task_id], "link": d.link(url, project_id)}
                for d in found]
    output(as_json, prepared, [
        *(f"task {t['task_id']}: {t['predictions_added']} predictions added  {t['link']}" for t in prepared),
        f"{len(found)} disputed tasks ready for review: accept (review decision) the annotation that should stand"])
