"""Benchmark: annotators submitting at once while `curation pull` runs, on SQLite vs PostgreSQL.

    python -m bench.concurrency [--annotators 10] [--tasks 20] [--pull-every 3] [--databases sqlite,postgresql]

For each database, one embedded Label Studio on 127.0.0.1 (`curation server start`, with `--postgres`
for PostgreSQL) gets the same tasks; `--annotators` real users join through the organisation's invite
link and each, with their own token, in a thread of its own, annotates every task once (a bounded
loop: it stops by itself) while `curation pull` runs as a separate process every `--pull-every`
seconds. A last pull follows. The snapshots must then hold every annotation the server has exactly
once (`created` events): the benchmark exits 1 if any is lost or duplicated. Printed side by side:
throughput (annotations/s), pull latency (wall time of the whole command, start-up included) and
the counts. The reference is the other database, in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from label_studio_sdk import LabelStudio
from rich.console import Console
from rich.table import Table

from bench._common import ROOT
from curation.server import connect, postgres, process
from curation.server.users import invite_user
from curation.sync import snapshots
from curation.workspace import Workspace, WorkspaceConfig

ARTICLES = ROOT / "examples" / "articles"


@dataclass
class Run:
    database: str
    annotations: int = 0  # submitted successfully
    errors: list[str] = field(default_factory=list)  # submissions the server refused (e.g. a locked database)
    seconds: float = 0.0  # first submission to last
    pulls: list[float] = field(default_factory=list)  # wall time of each `curation pull`
    failed_pulls: int = 0
    on_server: int = 0
    lost: int = 0  # on the server, not in the snapshots
    duplicated: int = 0  # stored more than once as created

    @property
    def throughput(self) -> float:
        return self.annotations / self.seconds if self.seconds else 0.0


def corpus(target: Path, n: int) -> None:
    """`n` articles made from the examples, each with a closing line of its own (so none is a duplicate)."""
    sources = sorted(ARTICLES.glob("*.txt"))
    target.mkdir(parents=True)
    for i in range(n):
        body = sources[i % len(sources)].read_text(encoding="utf-8").rstrip()
        (target / f"{i:04d}.txt").write_text(f"{body}\n\nThis is copy {i} of the benchmark corpus.\n", encoding="utf-8")


def curation(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "curation", *args], capture_output=True, text=True, cwd=ROOT,
                          check=False)


def measure(database: str, workdir: Path, annotators: int, n_tasks: int, pull_every: float) -> Run:
    run = Run(database)
    ws = Workspace(workdir / database)
    ws.root.mkdir()
    ws.save_config(WorkspaceConfig(port=process.free_port(), project_title=f"concurrency {database}"))
    print(f"[{database}] starting Label Studio ...", flush=True)
    state, _ = process.start(ws, use_postgres=database == "postgresql", echo=lambda m: print(f"[{database}] {m}"))
    assert state.url.startswith("http://127.0.0.1:"), state.url  # loopback only
    try:
        pushed = curation("push", str(workdir / "corpus"), "--workspace", str(ws.root))
        if pushed.returncode != 0:
            sys.exit(f"[{database}] push failed: {pushed.stderr.strip()}")
        admin = connect(ws)
        project_id = ws.config().project_id
        tasks = list(admin.tasks.list(project=project_id, fields="all"))
        people = [invite_user(admin, state.url, f"bench-{database}-{i}@example.org") for i in range(annotators)]
        print(f"[{database}] {len(tasks)} tasks, {len(people)} annotators; annotating ...", flush=True)
        lock = threading.Lock()

        def annotate(token: str, seed: int) -> None:
            own = LabelStudio(base_url=state.url, api_key=token)
            order = random.Random(seed).sample(tasks, len(tasks))
            for task in order:
                try:
                    own.annotations.create(id=task.id, result=list(task.predictions[0].result), lead_time=1.0,
                                           request_options={"max_retries": 0})  # a retried POST could duplicate
                except Exception as exc:  # counted and reported: what the server refused under load
                    with lock:
                        run.errors.append(type(exc).__name__)
                    continue
                with lock:
                    run.annotations += 1

        done = threading.Event()

        def puller() -> None:
            while not done.wait(pull_every):
                started = time.perf_counter()
                result = curation("pull", "--workspace", str(ws.root))
                run.pulls.append(time.perf_counter() - started)
                run.failed_pulls += result.returncode != 0

        pulling = threading.Thread(target=puller)
        pulling.start()
        workers = [threading.Thread(target=annotate, args=(p.token.get_secret_value(), i)) for i, p in enumerate(people)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        run.seconds = time.perf_counter() - started
        done.set()
        pulling.join()
        time.sleep(1.5)  # past pull's one-second re-read window, as after any real burst
        final = curation("pull", "--workspace", str(ws.root))
        run.failed_pulls += final.returncode != 0
        truth = {a["id"] for t in admin.tasks.list(project=project_id, fields="all") for a in t.annotations}
        rows = snapshots.read_all(ws, project_id)
        created = Counter(rows.filter(rows["event"] == "created")["annotation_id"].to_list())
        run.on_server = len(truth)
        run.lost = len(truth - set(created))
        run.duplicated = sum(n - 1 for n in created.values() if n > 1)
    finally:
        process.stop(ws)
        if (cluster := postgres.load(ws)) is not None:
            postgres.remove(cluster)  # as root it lives outside the temporary workspace
    print(f"[{database}] {run.annotations} annotations in {run.seconds:.1f} s; {len(run.pulls)} pulls", flush=True)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--pull-every", type=float, default=3.0, help="seconds between pulls")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus(Path(tmp) / "corpus", args.tasks)
        runs = [measure(db, Path(tmp), args.annotators, args.tasks, args.pull_every) for db in args.databases.split(",")]
    table = Table(title=f"{args.annotators} annotators x {args.tasks} tasks, `curation pull` every {args.pull_every:g} s")
    table.add_column("measure")
    for run in runs:
        table.add_column(run.database, justify="right")
    rows = {
        "annotations submitted": [str(r.annotations) for r in runs],
        "submissions refused": [f"{len(r.errors)} {dict(Counter(r.errors)) if r.errors else ''}" for r in runs],
        "throughput (annotations/s)": [f"{r.throughput:.1f}" for r in runs],
        "pulls during the burst (+1 after)": [str(len(r.pulls)) for r in runs],
        "pull latency median / max (s)": [f"{statistics.median(r.pulls):.2f} / {max(r.pulls):.2f}" if r.pulls else "-"
                                          for r in runs],
        "failed pulls": [str(r.failed_pulls) for r in runs],
        "annotations on the server": [str(r.on_server) for r in runs],
        "lost (on server, not in snapshots)": [str(r.lost) for r in runs],
        "duplicated in snapshots": [str(r.duplicated) for r in runs],
    }
    for name, values in rows.items():
        table.add_row(name, *values)
    if len(runs) == 2 and runs[0].throughput:
        table.add_row(f"throughput {runs[1].database} / {runs[0].database}", "", f"{runs[1].throughput / runs[0].throughput:.2f}x")
    Console(width=120).print(table)
    if any(r.lost or r.duplicated for r in runs):
        sys.exit("annotations were lost or duplicated in the snapshots")


if __name__ == "__main__":
    main()
