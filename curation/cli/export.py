"""`curation export`, `versions`, `diff`, `verify`: reviewed labels as versioned Hugging Face datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curation import defaults
from curation.cli import options
from curation.cli._app import app, fail, progress_bar


def _dataset_dir(workspace: Optional[Path], root: Optional[Path], name: str) -> Path:
    from curation.export.build import default_root
    from curation.export.versions import dataset_dir
    from curation.workspace import Workspace

    return dataset_dir(root or default_root(Workspace.from_env(workspace)), name)


@app.command()
def export(
    name: Annotated[str, typer.Option("--name", help="Dataset name (a folder under the root).")],
    version: Annotated[Optional[str], typer.Option("--version", help="Version to write, X.Y.Z.")] = None,
    bump: Annotated[Optional[str], typer.Option(help="Or: bump the latest version's major, minor or patch.")] = None,
    root: options.Root = None,
    splits: Annotated[Optional[str], typer.Option(help="train,validation,test ratios [default: the parent's, else 0.8,0.1,0.1].")] = None,
    allow_same: Annotated[bool, typer.Option("--allow-same", help="Allow a new number for data equal to an existing version.")] = False,
    license: Annotated[str, typer.Option(help="Licence of the annotations (the card's `license`).")] = defaults.LICENSE,
    push_to_hub: Annotated[Optional[str], typer.Option(help="Also upload to this Hub dataset repo (ORG/NAME) and tag it vX.Y.Z; token from HF_TOKEN.")] = None,
    workers: options.Workers = defaults.WORKERS,
    workspace: options.Workspace = None,
    wait: options.Wait = False,
) -> None:
    """Export reviewed annotations from the pulled snapshots as a new, immutable dataset version."""
    from curation.cli._failures import disk_failure
    from curation.export import export as run_export
    from curation.export.build import default_root
    from curation.server.locking import file_lock
    from curation.export.hub import hub_api, push_version
    from curation.export.splits import parse_ratios
    from curation.workspace import Workspace

    ws = Workspace.from_env(workspace)
    try:
        ratios = parse_ratios(splits) if splits else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--splits'") from None
    try:
        with file_lock(ws.lock_path("export"), wait=wait, what="export in this workspace"), progress_bar() as progress:
            bar = progress.add_task("articles", total=None)
            done = run_export(ws, name, version=version, bump=bump, root=root, allow_same=allow_same, license=license,
                              ratios=ratios, workers=workers,
                              on_progress=lambda n, total: progress.update(bar, completed=n, total=total))
    except ValueError as exc:  # export's data problems (e.g. annotations without a pulled task) say what to run
        raise fail(exc) from None
    except OSError as exc:  # a full disk: the version folder was discarded; name it, as the error may not
        raise fail(disk_failure(exc, (root or default_root(ws)) / name)) from None
    m = done.manifest
    articles = {s: c["articles"] for s, c in m["counts"].items()}
    log = m["changelog"]
    typer.echo(f"wrote {done.path}: {sum(articles.values())} articles {articles}; "
               f"tasks {m['tasks']}; left out {m['excluded_annotations']}")
    if m["parent"]:
        typer.echo(f"against {m['parent']}: {len(log['added'])} added, {len(log['removed'])} removed, "
                   f"{len(log['changed'])} changed")
    if push_to_hub:
        tag = push_version(hub_api(), done.path, push_to_hub, m["version"])
        typer.echo(f"pushed to https://huggingface.co/datasets/{push_to_hub} and tagged {tag}")


@app.command()
def versions(name: Annotated[str, typer.Argument(help="Dataset name.")], root: options.Root = None,
             workspace: options.Workspace = None) -> None:
    """List a dataset's versions, oldest first, with their size and parent."""
    from curation.export import manifest as mf
    from curation.export import versions as vs

    folder = _dataset_dir(workspace, root, name)
    found = vs.versions(folder)
    if not found:
        raise fail(f"no versions of {name} under {folder.parent}")
    for number in found:
        m = mf.read(folder / number)
        articles = sum(c["articles"] for c in m["counts"].values())
        typer.echo(f"{number}  {m['created_at']}  {articles} articles  parent {m['parent'] or '-'}")


@app.command()
def diff(name: Annotated[str, typer.Argument(help="Dataset name.")], a: Annotated[str, typer.Argument(help="Older version.")],
         b: Annotated[str, typer.Argument(help="Newer version.")], root: options.Root = None,
         workspace: options.Workspace = None) -> None:
    """Articles added, removed and changed from version A to version B, and label counts."""
    from curation.export import manifest as mf
    from curation.export import versions as vs

    folder = _dataset_dir(workspace, root, name)
    old, new = (mf.read(vs.resolve(folder, v)) for v in (a, b))
    for kind, ids in mf.changelog(old["articles"], new["articles"]).items():
        typer.echo(f"{kind}: {len(ids)}")
        for article_id in ids:
            typer.echo(f"  {article_id}")
    for label in new["counts"]["train"]["labels"]:
        before = sum(c["labels"][label] for c in old["counts"].values())
        after = sum(c["labels"][label] for c in new["counts"].values())
        typer.echo(f"{label}: {before} -> {after}")


@app.command()
def verify(target: Annotated[str, typer.Argument(help="NAME (every version) or NAME@X.Y.Z.")], root: options.Root = None,
           workspace: options.Workspace = None) -> None:
    """Re-check sha256s, span and token offsets and counts against the manifest; exit 1 on any difference."""
    from curation.export import verify as find_problems
    from curation.export import versions as vs

    name, _, number = target.partition("@")
    folder = _dataset_dir(workspace, root, name)
    numbers = [vs.resolve(folder, number).name] if number else vs.versions(folder)
    if not numbers:
        raise fail(f"no versions of {name} under {folder.parent}")
    failed = False
    for n in numbers:
        found = find_problems(folder / n)
        for problem in found:
            typer.echo(f"{name}@{n}: {problem}", err=True)
        typer.echo(f"{name}@{n}: {'FAILED' if found else 'ok'}")
        failed |= bool(found)
    if failed:
        raise typer.Exit(1)
