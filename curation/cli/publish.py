"""`curation publish`: upload an existing, verified dataset version to the Hugging Face Hub."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from curation.cli import options
from curation.cli._app import app, emit

if TYPE_CHECKING:
    from curation.export.hub import Published


def version_folder(target: str, root: Optional[Path], workspace: Optional[Path]) -> Path:
    """The folder of NAME@X.Y.Z (or NAME@latest); VersionError (one line) when there is none."""
    from curation.export import versions as vs
    from curation.export.build import default_root
    from curation.workspace import Workspace

    name, _, number = target.partition("@")
    return vs.resolve((root or default_root(Workspace.from_env(workspace))) / name, number or "latest")


def report(done: Published, label: str, as_json: bool = False) -> None:
    if as_json:
        emit({"repo": done.repo_id, "tag": done.tag, "status": done.status, "files": done.files})
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
    private: Annotated[bool, typer.Option("--private", help="Make the repo private: created so, or switched to private before uploading.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be uploaded; send nothing.")] = False,
    root: options.Root = None,
    as_json: options.Json = False,
    workspace: options.Workspace = None,
) -> None:
    """Upload a verified version to the Hub in one commit and tag it vX.Y.Z; token from HF_TOKEN or `hf auth login`.

    Running it again after a failure resumes; a version already there with the same content is not sent again."""
    from curation.export.hub import publish as run_publish

    folder = version_folder(target, root, workspace)
    done = run_publish(folder, repo, private=private, dry_run=dry_run)  # a PublishError is one line (_app)
    report(done, f"{folder.parent.name}@{folder.name}", as_json)
