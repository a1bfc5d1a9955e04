"""Benchmark: export N reviewed articles into all five configs, against label-studio-sdk's CONLL2003 converter.

    python -m bench.export [--n 10000] [--no-reference] [--repeat N]

The corpus is synthesised without a server: BBC articles pre-annotated by the rules
(two articles per task, ~36 spans), each with one accepted annotation, written as
pull snapshots for `curation export` and as the equivalent Label Studio JSON export
for `Converter(...).convert(..., "CONLL2003")`. Each contender runs in its own
process, so its peak RSS is its own. Snapshots are written as one pull file per 10,000
tasks, as repeated pulls make them. `--no-reference` skips the reference (its JSON export
of 100,000 tasks is ~1.5 GB) and the 2-worker run: run it at 10,000 for the ratio, at 100,000
for memory.
Target (export issue): all five configs >= 3x faster than the reference; peak RSS flat in N.
curation runs with 1 and with 2 worker processes (the reference has no such option); with 2, the
main process builds every other chunk and one pool process the rest, so the RSS of that run is the
main process's peak plus the worker's.
Each contender reports wall seconds and CPU seconds (user + system of its process, threads included:
curation's Parquet writer thread runs beside the chunk builder) for the same interval; the ratios
are the reference's over curation's. With 2 workers the CPU figure misses the pool process (a
forkserver child, not reaped by the measured process): compare CPU with 1 worker.
The machine's speed drifts by ±15% over minutes: `--repeat 3` runs three rounds, the contenders one after the
other in each, and gives each contender's best round (the least time, as timeit and hyperfine's min do).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench._common import SHARED, run_isolated
from curation.export.heap import prefer_the_c_heap
from curation.ingest import ingest
from curation.models import Article
from curation.preannotate import get_preannotator
from curation.sync import snapshots
from curation.tasks import document_result
from curation.team.roster import record_admin
from curation.workspace import Workspace, WorkspaceConfig

MODEL = "curation-rules-1.0"
ACCEPT = {"id": "review", "from_name": "review", "to_name": "text", "type": "choices", "value": {"choices": ["accept"]}}


def shifted(result: list[dict[str, Any]], by: int, prefix: str) -> list[dict[str, Any]]:
    """A result list moved `by` characters to the right, its region ids prefixed (so two can be joined)."""
    out = []
    for item in result:
        if item["type"] == "relation":
            out.append({**item, "from_id": prefix + item["from_id"], "to_id": prefix + item["to_id"]})
        else:
            value = {**item["value"], "start": item["value"]["start"] + by, "end": item["value"]["end"] + by}
            out.append({**item, "id": prefix + item["id"], "value": value})
    return out


def base_tasks() -> list[tuple[str, list[dict[str, Any]]]]:
    """(text, result) pairs: each two consecutive BBC articles joined, with the rules' regions."""
    folder = SHARED / "bbc-news"
    if not folder.is_dir():
        sys.exit(f"no BBC articles under {folder}: the benchmark needs ../shared/benchmarks")
    annotator = get_preannotator("rules")
    docs = [annotator.annotate(a) for a in ingest([folder]) if isinstance(a, Article)]
    pairs = []
    for a, b in zip(docs, docs[1:] + docs[:1]):
        offset = len(a.text) + 2
        pairs.append((a.text + "\n\n" + b.text, shifted(document_result(a), 0, "a") + shifted(document_result(b), offset, "b")))
    return pairs


PULL = 10_000  # tasks per synthetic pull file


def synthesize(ws: Workspace, n: int, json_export: Path | None = None) -> int:
    """Write `n` reviewed tasks as pull snapshots of `ws` (and as a Label Studio JSON export); returns spans."""
    ws.save_config(WorkspaceConfig(project_id=1))
    record_admin(ws, 1)  # user 1, the admin, saved every annotation (as through its API): its accepts are reviews
    pairs = base_tasks()
    rows, copies, export, spans = [], [], [], 0
    for i in range(n):
        if i and i % PULL == 0:
            snapshots.write(ws, 1, f"bench-{i // PULL:04d}", rows, copies)
            rows, copies = [], []
        text, result = pairs[i % len(pairs)]
        article_id = hashlib.sha256(f"bench-{i}".encode()).hexdigest()[:16]
        data = {"text": text, "title": f"Article {i}", "byline": "", "published": "2024-10-03", "url": "",
                "publisher": "bbc.co.uk", "article_id": article_id,
                "content_hash": hashlib.sha256(f"{i}{text}".encode()).hexdigest()[:16], "schema_version": 1}
        stamp = f"2024-10-03T10:{i // 600 % 60:02d}:{i // 10 % 60:02d}.000000Z"
        annotation = {"id": i + 1, "result": result + [ACCEPT], "completed_by": 1 + i % 3, "was_cancelled": False,
                      "ground_truth": False, "lead_time": 30.0, "created_at": stamp, "updated_at": stamp}
        rows.append({"pull_id": "bench", "event": "created", "task_id": i + 1, "task_updated_at": stamp,
                     "article_id": article_id, "content_hash": data["content_hash"], "annotation_id": i + 1,
                     "completed_by": annotation["completed_by"], "updated_by": 1, "was_cancelled": False, "ground_truth": False,
                     "lead_time": 30.0, "created_at": stamp, "updated_at": stamp, "review": "accept",
                     "result": json.dumps(annotation["result"], ensure_ascii=False), "regions_kept": 0,
                     "regions_edited": 0, "regions_deleted": 0, "regions_added": 0, "offset_errors": 0})
        copies.append({"pull_id": "bench", "task_id": i + 1, "task_updated_at": stamp, "article_id": article_id,
                       "content_hash": data["content_hash"], "data": json.dumps(data, ensure_ascii=False),
                       "model_version": MODEL, "prediction": "[]"})
        if json_export:
            export.append({"id": i + 1, "data": data, "annotations": [annotation], "predictions": []})
        spans += sum(1 for item in result if item["type"] == "labels")
    snapshots.write(ws, 1, f"bench-{n // PULL:04d}", rows, copies)
    if json_export:
        json_export.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    return spans


def peak_rss_mb() -> float:
    """VmHWM: unlike ru_maxrss, it starts afresh at exec, so the parent's synthesis does not count."""
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its reaped children (the worker pool) so far."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_curation(workspace: str, workers: int, round: int) -> dict[str, Any]:
    from curation.export.build import export

    start, cpu = time.perf_counter(), cpu_seconds()
    done = export(Workspace(Path(workspace)), "bench", version=f"{workers}.{round}.0", workers=workers, allow_same=True)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"contender": f"curation export (5 configs, {workers} worker{'s' if workers > 1 else ''})",
            "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_rss_mb() + children_peak_rss_mb() * (workers - 1),
            "articles": sum(c["articles"] for c in done.counts.values())}


def children_peak_rss_mb() -> float:
    """The largest worker's peak RSS (the kernel keeps only the maximum over children)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_reference(json_export: str) -> dict[str, Any]:
    from label_studio_sdk.converter import Converter

    from curation.labelconfig import labeling_config

    start, cpu = time.perf_counter(), cpu_seconds()
    with tempfile.TemporaryDirectory() as out:
        Converter(labeling_config(), project_dir=None, download_resources=False).convert(
            json_export, out, "CONLL2003", is_dir=False)
        articles = (Path(out) / "result.conll").read_text(encoding="utf-8").count("\n\n")
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"contender": "label-studio-sdk Converter CONLL2003", "seconds": seconds, "cpu_seconds": cpu,
            "peak_rss_mb": peak_rss_mb(),
            "articles": articles}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--no-reference", action="store_true", help="skip label-studio-sdk (memory runs at large N)")
    parser.add_argument("--contender", choices=("curation", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="N rounds, the contenders one after the other in each; the table gives each one's best")
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--round", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:  # one measured run, in a process of its own
        print(json.dumps(run_curation(args.path, args.workers, args.round) if args.contender == "curation"
                         else run_reference(args.path)))
        return
    rounds: list[list[dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ws, json_export = Workspace(Path(tmp) / "ws"), Path(tmp) / "export.json"
        spans = synthesize(ws, args.n, None if args.no_reference else json_export)
        print(f"{args.n} reviewed articles, {spans / args.n:.1f} spans each", flush=True)
        prefer_the_c_heap()  # as `curation export` does, for the contender processes started now
        for r in range(args.repeat):
            reference = [] if args.no_reference else [run_isolated("bench.export", "--contender", "reference",
                                                                   str(json_export))]
            rounds.append(reference + [
                run_isolated("bench.export", "--contender", "curation", "--workers", w, "--round", str(r), str(ws.root))
                for w in (("1",) if args.no_reference else ("1", "2"))])
    print_table(args.n, rounds, has_reference=not args.no_reference)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def print_table(n: int, rounds: list[list[dict[str, Any]]], has_reference: bool) -> None:
    """Each contender's best round (least wall and least CPU time; the largest peak RSS), the ratios between bests,
    and with several rounds each round's CPU ratio (the machine's speed drifts between rounds, not within one)."""
    best = [{"contender": runs[0]["contender"], "articles": runs[0]["articles"],
             "seconds": min(r["seconds"] for r in runs), "cpu_seconds": min(r["cpu_seconds"] for r in runs),
             "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)} for runs in zip(*rounds)]
    reference = best[0] if has_reference else None
    title = f"export of {n} reviewed articles" + (f", best of {len(rounds)} rounds" if len(rounds) > 1 else "")
    table = Table(title=title)
    for col in ("contender", "articles", "wall s", "CPU s", "peak RSS MB", "x ref (wall)", "x ref (CPU)"):
        table.add_column(col, justify="right", no_wrap=True)
    for r in best:
        table.add_row(r["contender"], str(r["articles"]), f"{r['seconds']:.2f}", f"{r['cpu_seconds']:.2f}",
                      f"{r['peak_rss_mb']:.0f}",
                      f"{reference['seconds'] / r['seconds']:.2f}" if reference else "-",
                      f"{reference['cpu_seconds'] / r['cpu_seconds']:.2f}" if reference else "-")
    Console(width=140).print(table)
    if reference and len(rounds) > 1:
        print("x ref (CPU), 1 worker, by round: " + ", ".join(f"{r[0]['cpu_seconds'] / r[1]['cpu_seconds']:.2f}"
                                                             for r in rounds))


if __name__ == "__main__":
    main()
