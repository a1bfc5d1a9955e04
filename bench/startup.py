"""Benchmark: how fast the CLI answers — `curation --help`, every command's `--help`, `--version`.

    python -m bench.startup [--runs 7]

Each is a fresh process (as a user types it): median wall time, and median CPU time (user + system), which
other load on the machine barely changes; in the same run the same work by reference CLIs of this venv
(`pip --help`, `datasets-cli --help`) and a bare interpreter, as ratios. Target (issue 10): `curation --help`
and any command's `--help` under 0.5 s. Also prints what `import curation.cli` costs by -X importtime.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from curation.cli.reference import command_paths

BIN = Path(sys.executable).parent


def timed(argv: list[str], runs: int) -> tuple[float, float]:
    """(median wall, median CPU) seconds of `argv` as a fresh process."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def import_cost(module: str) -> float:
    """Cumulative -X importtime of `module`, in seconds."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True,
                         text=True, check=True).stderr
    return max(int(line.split("|")[1]) for line in err.splitlines() if line.rstrip().endswith(f" {module}")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    curation = [str(BIN / "curation")]
    rows = [("curation --help", timed([*curation, "--help"], runs)),
            ("curation --version", timed([*curation, "--version"], runs))]
    rows += [(f"curation {' '.join(path)} --help", timed([*curation, *path, "--help"], runs)) for path in command_paths()]
    references = [("python -c pass", timed([sys.executable, "-c", "pass"], runs)),
                  ("pip --help", timed([str(BIN / "pip"), "--help"], runs)),
                  ("datasets-cli --help", timed([str(BIN / "datasets-cli"), "--help"], runs))]
    top = rows[0][1]
    print(f"{'command':44} {'wall s':>7} {'CPU s':>7}  target 0.5 s")
    for name, (wall, cpu) in rows:
        print(f"{name:44} {wall:7.3f} {cpu:7.3f}  {'ok' if wall < 0.5 else 'over (wall; see CPU)' if cpu < 0.5 else 'SLOW'}")
    print(f"\n{'reference':44} {'wall s':>7} {'CPU s':>7}  curation --help / it (wall, CPU)")
    for name, (wall, cpu) in references:
        print(f"{name:44} {wall:7.3f} {cpu:7.3f}  {top[0] / wall:.2f}x, {top[1] / cpu:.2f}x")
    print(f"\nimport curation.cli: {import_cost('curation.cli'):.3f} s; import curation: {import_cost('curation'):.3f} s"
          " (-X importtime, cumulative)")


if __name__ == "__main__":
    main()
