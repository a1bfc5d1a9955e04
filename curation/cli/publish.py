"""`curation publish`: upload an existing, verified dataset version to the Hugging Face Hub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from curation.cli._app import app, fail
from curation.cli.server import WorkspaceOption

if TYPE_CHECKING:
    from curation.export.hub import Published

RootOption = Annotated[Optional[Path], typer.Option(help="Folder of datasets (default: datasets/ in the workspace).")]


def version_folder(target: str, root: Optional[Path], workspace: Optional[Path]) -> Path:
    """The folder of NAME@X.Y.Z (or NAME@latest); exits with one line when there is none."""
    from curation.export import versions as vs
    from curation.workspace import Workspace, WorkspaceError

    name, _, number = target.partition("@")
    try:
        base = root or Workspace.from_env(workspace).root / "datasets"
        return vs.resolve(base / name, number or "latest")
    except (vs.VersionError, WorkspaceError) as exc:
        raise fail(exc) from None


def report(done: Published, label: str, as_json: bool = False) -> None:
    if as_json:
        typer.echo(json.dumps({"repo": done.repo_id, "tag": done.tag, "status": done.status, "files": done.files}))
        return
    size = sum(done.files.values())
    if done.status == "dry run":
        for path, n in done.files.items():
            typer.echo(f"{n:>12,}  {path}")
        typer.echo(f"would upload {len(done.files)} files ({size:,} bytes) of {label} to "
                   f"https://huggingface.co/datasets/{done.repo_id} in one commit, tagged {done.tag}")
    elif done.status == "already published":
        typer.echo(f"{label} is already on {done.repo_id} as {done.tag} with the same content: nothing uploaded")
    else:
        typer.echo(f"published {label} to https://huggingface.co/datasets/{done.repo_id} ({len(done.files)} files, "
                   f"{size:,} bytes), tagged {done.tag}")


@app.command()
def publish(
    target: Annotated[str, typer.Argument(help="NAME@X.Y.Z: an existing version.")],
    repo: Annotated[str, typer.Option("--repo", help="Hub dataset repo, ORG/NAME (created if missing).")],
    private: Annotated[bool, typer.Option("--private", help="Create the repo private.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be uploaded; send nothing.")] = False,
    root: RootOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Upload a verified version to the Hub in one commit and tag it vX.Y.Z; token from HF_TOKEN or `hf auth login`.

    Running it again after a failure resumes; a version already there with the same content is not sent again."""
    from curation.export.hub import PublishError, publish as run_publish

    folder = version_folder(target, root, workspace)
    try:
        done = run_publish(folder, repo, private=private, dry_run=dry_run)
    except PublishError as exc:
        raise fail(exc) from None
    report(done, f"{folder.parent.name}@{folder.name}", as_json)
