"""Benchmark: push / re-push / pull against a real embedded Label Studio.

    python -m bench.sync [--n 10000] [--batch-size 1000]

In one run, on one server: (1) a raw bulk import of the same task JSON through the
SDK (one import call per batch, no reconciliation) vs `push_tasks` into a second
project; (2) re-pushing the unchanged tasks; (3) the first pull, then a pull after
one changed annotation vs a full JSON export of the project.
Targets (sync issue): push >= 0.8x raw; re-push < 10% of the first push; the
incremental pull < 10% of a full export.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench._common import replicate_bbc
from curation.pipeline import iter_tasks
from curation.server import connect, process
from curation.labelconfig import labeling_config
from curation.sync import ledger
from curation.sync.project import ensure_project
from curation.sync.pull import pull
from curation.sync.push import batches, push_tasks
from curation.workspace import Workspace, WorkspaceConfig


class Progress:
    """Times each step and prints it as soon as it is done, so a long run reports as it goes."""

    def __call__(self, name: str, fn: Callable[[], object]) -> float:
        start = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - start
        print(f"{name}: {seconds:.2f} s  {out if not isinstance(out, list) else ''}", flush=True)
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        replicate_bbc(corpus, args.n)
        tasks = list(iter_tasks([corpus], print, workers=2))
        payload = [t.model_dump(mode="json") for t in tasks]
        ws = Workspace(Path(tmp) / "ws")
        ws.save_config(WorkspaceConfig(port=process.free_port(), project_title="bench push"))
        process.start(ws)
        try:
            client = connect(ws)
            step = Progress()
            model_version = tasks[0].predictions[0].model_version
            # the reference imports the same JSON into a project configured as ours is, so both pay for the same
            # config and predictions; only curation's own work (reconciling, ledger, serialising) differs
            raw_project = client.projects.create(title="bench raw", label_config=labeling_config(),
                                                 show_collab_predictions=True, model_version=model_version)
            raw = step("raw SDK bulk import", lambda: [client.projects.import_tasks(
                id=raw_project.id, request=batch, commit_to_project=True) for batch in batches(payload, args.batch_size)])
            project = ensure_project(client, ws, model_version)
            path = ledger.path_for(ws, project.id)  # as `curation push` does
            ours = step("curation push", lambda: push_tasks(client, project.id, tasks, batch_size=args.batch_size,
                                                            ledger_path=path))
            again = step("re-push unchanged", lambda: push_tasks(client, project.id, tasks, batch_size=args.batch_size,
                                                                 ledger_path=path))
            step("first pull (no annotations)", lambda: pull(client, ws, project.id))
            task = next(iter(client.tasks.list(project=project.id, page_size=1)))
            time.sleep(2)  # as in real use, the annotation comes after pull's 1 s re-read window of the import
            client.annotations.create(id=task.id, result=[], lead_time=1.0)
            one_pull = step("pull after one changed annotation", lambda: pull(client, ws, project.id))
            export = step("full JSON export", lambda: sum(len(c) for c in client.projects.exports.download_sync(
                id=project.id, export_type="JSON", download_all_tasks=True)))
        finally:
            process.stop(ws)
    table = Table(title=f"sync with Label Studio ({args.n} tasks with predictions, batches of {args.batch_size})")
    for col in ("measure", "value", "target"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_row("push throughput vs raw SDK import", f"{raw / ours:.2f}x", ">= 0.8x")
    table.add_row("re-push / first push", f"{again / ours:.1%}", "< 10%")
    table.add_row("pull after one change / full export", f"{one_pull / export:.1%}", "< 10%")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
