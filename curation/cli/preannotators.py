"""`curation preannotators`: which pre-annotators are installed, and the model version each writes."""

from __future__ import annotations

import typer

from curation.cli import options
from curation.cli._app import app, emit


@app.command("preannotators")
def preannotators_cli(as_json: options.Json = False) -> None:
    """List the installed pre-annotators (entry points `curation.preannotators`): name, model version, package."""
    from importlib.metadata import entry_points

    from curation.preannotate import ENTRY_POINT_GROUP, available, get_preannotator

    points = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found = []
    for name in available():
        ep = points.get(name)
        try:
            model_version, problem = get_preannotator(name).model_version, None
        except Exception as exc:  # a broken plug-in is listed as such, and the others still are
            model_version, problem = None, f"cannot be loaded: {type(exc).__name__}: {exc}"
        found.append({"name": name, "model_version": model_version, "entry_point": ep.value if ep else None,
                      "package": f"{ep.dist.name} {ep.dist.version}" if ep and ep.dist else None, "error": problem})
    if as_json:
        emit(found)
        return
    for p in found:
        typer.echo(f"{p['name']}  {p['model_version'] or '-'}  {p['entry_point'] or 'registered at run time'}"
                   f"  {p['package'] or ''}{'  ' + p['error'] if p['error'] else ''}".rstrip())
