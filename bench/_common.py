"""Shared bits of the benchmarks: corpus replication and isolated measurement.

Each contender runs in a fresh subprocess so its peak RSS (ru_maxrss) is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"


def replicate_bbc(target: Path, n: int) -> int:
    """Write `n` .txt articles into `target` by cycling the 200 BBC articles.

    Each copy gets a distinct closing line so de-duplication keeps all of them.
    Returns the total number of bytes written.
    """
    sources = sorted((SHARED / "bbc-news").glob("*/*.txt"))
    if not sources:
        sys.exit(f"no BBC articles under {SHARED / 'bbc-news'}: the benchmark needs ../shared/benchmarks")
    target.mkdir(parents=True, exist_ok=True)
    raw = [p.read_text(encoding="utf-8", errors="replace") for p in sources]
    total = 0
    for i in range(n):
        body = raw[i % len(raw)].rstrip() + f"\n\nThis is copy {i} of the benchmark corpus.\n"
        path = target / f"{i // 1000:03d}" / f"{i:06d}.txt"
        path.parent.mkdir(exist_ok=True)
        total += path.write_bytes(body.encode("utf-8"))
    return total


def run_isolated(module: str, *args: str) -> dict:
    """Run `python -m module args...` and parse the JSON line it prints last."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM, which starts afresh at exec): ru_maxrss carries the parent's over fork and
    exec, so a contender started by a parent that synthesised a large corpus would report the parent's."""
    status = Path("/proc/self/status")
    for line in status.read_text().splitlines() if status.exists() else ():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
