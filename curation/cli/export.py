"""`curation export`, `versions`, `diff`, `verify`: reviewed labels as versioned Hugging Face datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from curation import defaults
from curation.cli import options
from curation.cli._app import app, fail, output, progress_bar, usage


def _dataset_dir(workspace: Optional[Path], root: Optional[Path], name: str) -> Path:
    from curation.export.build import default_root
    from curation.export.versions import dataset_dir
    from curation.workspace import Workspace

    return dataset_dir(root or default_root(Workspace.from_env(workspace)), name)


@app.command("export")
def export_cli(
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="Dataset name (a folder under the root).")],
    version: Annotated[Optional[str], typer.Option("--version", metavar="X.Y.Z", help="Version to write.")] = None,
    bump: Annotated[Optional[str], typer.Option(metavar="PART", help="Or: bump the latest version's major, minor or patch.")] = None,
    root: options.Root = None,
    splits: Annotated[Optional[str], typer.Option(metavar="R,R,R", help="train,validation,test ratios [default: the parent's, else 0.8,0.1,0.1].")] = None,
    allow_same: Annotated[bool, typer.Option("--allow-same", help="Allow a new number for data equal to an existing version.")] = False,
    license: Annotated[str, typer.Option(help="Licence of the annotations (the card's `license`).")] = defaults.LICENSE,
    push_to_hub: Annotated[Optional[str], typer.Option(metavar="ORG/NAME", help="Then publish it to this Hub dataset repo, as `curation publish` does.")] = None,
    private: Annotated[bool, typer.Option("--private", help="With --push-to-hub: make the repo private (created so, or switched before uploading).")] = False,
    simulated: Annotated[bool, typer.Option("--simulated", help="The labels come from simulated annotators: the card says so.")] = False,
    workers: options.Workers = defaults.WORKERS,
    copies: Annotated[bool, typer.Option("--copies", help="Include every reviewed copy of a story, not one row set per story.")] = False,
    min_per_split: Annotated[int, typer.Option(min=0, metavar="N", help="Give each split at least N stories where the data allows.")] = 0,
    workspace: options.Workspace = None,
    wait: options.Wait = False,
    as_json: options.Json = False,
) -> None:
    """Export reviewed annotations from the pulled snapshots as a new, immutable dataset version."""
    from curation.export.heap import prefer_the_c_heap

    prefer_the_c_heap()  # before pyarrow is imported
    from curation.cli._failures import disk_failure
    from curation.export import export
    from curation.export.build import default_root
    from curation.export.splits import parse_ratios
    from curation.server.locking import file_lock
    from curation.workspace import Workspace

    if (version is None) == (bump is None):
        usage("give exactly one of --version X.Y.Z or --bump major|minor|patch")
    ws = Workspace.from_env(workspace)
    try:
        ratios = parse_ratios(splits) if splits else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--splits'") from None
    try:
        with file_lock(ws.lock_path("export"), wait=wait, what="export in this workspace"), progress_bar() as progress:
            bar = progress.add_task("articles", total=None)
            done = export(ws, name, version=version, bump=bump, root=root, allow_same=allow_same, license=license,
                          ratios=ratios, workers=workers, simulated=simulated, hub_repo=push_to_hub,
                          copies=copies, min_per_split=min_per_split,
                          on_progress=lambda n, total: progress.update(bar, completed=n, total=total))
    except ValueError as exc:  # export's data problems (e.g. annotations without a pulled task) say what to run
        raise fail(exc) from None
    except OSError as exc:  # a full disk: the version folder was discarded; name it, as the error may not
        raise fail(disk_failure(exc, (root or default_root(ws)) / name)) from None
    m = done.summary
    hub = None
    if push_to_hub:
        from curation.export.hub import PublishError, publish

        try:
            sent = publish(done.path, push_to_hub, private=private)
        except PublishError as exc:
            raise fail(f"{exc} (the version is written and intact; `curation publish {name}@{m['version']} "
                       f"--repo {push_to_hub}` retries)") from None
        hub = {"repo": push_to_hub, "url": f"https://huggingface.co/datasets/{push_to_hub}", "tag": sent.tag,
               "status": sent.status}
    articles = {split: c["articles"] for split, c in m["counts"].items()}
    changes = m["changelog"]
    stories = m["stories"]
    lines = [f"wrote {done.path}: {sum(articles.values())} articles ({_counts(articles)}), {stories['stories']} stories; "
             f"tasks: {_counts(m['tasks'])}; annotations left out: {_counts(m['excluded_annotations'])}"]
    if m["parent"]:
        lines.append(f"against {m['parent']}: {_counts(changes)}")
    if hub:
        lines.append(f"published to {hub['url']} and tagged {hub['tag']} ({hub['status']})")
    output(as_json, {"name": m["name"], "version": m["version"], "path": str(done.path), "parent": m["parent"],
                     "articles": articles, "tasks": m["tasks"], "excluded_annotations": m["excluded_annotations"],
                     "changes": changes if m["parent"] else None, "hub": hub, "stories": stories}, lines,
           [f"warning: split {split} is empty ({stories['stories']} stories); pass --min-per-split N to give every "
            "split at least N stories" for split in stories["empty_splits"]])


def _counts(counts: dict[str, int]) -> str:
    """{"train": 3, "test": 1} -> "3 train, 1 test" (prose, not a dict repr)."""
    return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())


@app.command("versions")
def versions_cli(name: Annotated[str, typer.Argument(help="Dataset name.")], root: options.Root = None,
             workspace: options.Workspace = None, as_json: options.Json = False) -> None:
    """List a dataset's versions, oldest first, with their size and parent."""
    from curation.export import manifest as mf
    from curation.export import versions as vs

    folder = _dataset_dir(workspace, root, name)
    found = vs.versions(folder)
    if not found:
        raise fail(f"no versions of {name} under {folder.parent}")
    rows = []
    for number in found:
        m = mf.read(folder / number)
        rows.append({"version": number, "created_at": m["created_at"],
                     "articles": sum(c["articles"] for c in m["counts"].values()), "parent": m["parent"]})
    output(as_json, rows, [f"{r['version']}  {r['created_at']}  {r['articles']} articles  parent {r['parent'] or '-'}"
                           for r in rows])


@app.command("diff")
def diff_cli(name: Annotated[str, typer.Argument(help="Dataset name.")], a: Annotated[str, typer.Argument(help="Older version.")],
         b: Annotated[str, typer.Argument(help="Newer version.")], root: options.Root = None,
         workspace: options.Workspace = None, as_json: options.Json = False) -> None:
    """Articles added, removed and changed from version A to version B, and label counts."""
    from curation.export import manifest as mf
    from curation.export import versions as vs

    folder = _dataset_dir(workspace, root, name)
    old, new = (mf.read(vs.resolve(folder, v)) for v in (a, b))
    articles = mf.changelog(old["articles"], new["articles"])
    labels = {label: {"from": sum(c["labels"][label] for c in old["counts"].values()),
                      "to": sum(c["labels"][label] for c in new["counts"].values())}
              for label in new["counts"]["train"]["labels"]}
    lines = []
    for kind, ids in articles.items():
        lines += [f"{kind}: {len(ids)}", *(f"  {article_id}" for article_id in ids)]
    lines += [f"{label}: {n['from']} -> {n['to']}" for label, n in labels.items()]
    output(as_json, {"name": name, "from": old["version"], "to": new["version"], "articles": articles, "labels": labels},
           lines)


@app.command("verify")
def verify_cli(target: Annotated[str, typer.Argument(help="NAME (every version) or NAME@X.Y.Z.")], root: options.Root = None,
           workspace: options.Workspace = None, as_json: options.Json = False) -> None:
    """Re-check sha256s, span and token offsets and counts against the manifest; exit 1 on any difference."""
    from curation.export import verify
    from curation.export import versions as vs

    name, _, number = target.partition("@")
    folder = _dataset_dir(workspace, root, name)
    numbers = [vs.resolve(folder, number).name] if number else vs.versions(folder)
    if not numbers:
        raise fail(f"no versions of {name} under {folder.parent}")
    checked = [{"name": name, "version": n, "ok": not (found := verify(folder / n)), "problems": found}
               for n in numbers]
    output(as_json, checked,
           [f"{name}@{c['version']}: {'FAILED' if c['problems'] else 'ok'}" for c in checked],
           [f"{name}@{c['version']}: {problem}" for c in checked for problem in c["problems"]])
    if not all(c["ok"] for c in checked):
        raise typer.Exit(1)
