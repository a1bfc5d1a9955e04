"""Benchmark: ingest + pre-annotate the BBC articles replicated to N, against spaCy.

    python -m bench.preannotate [--n 10000] [--small 2000]

Target (issue: articles -> tasks): throughput >= 1.0x the spaCy reference
(blank('en') + sentencizer + PhraseMatcher with the same hedge lexicon), and
peak RSS < 500 MB at 10,000 articles, not growing with corpus size (compare the
--small run's RSS with the full run's).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench._common import replicate_bbc, run_isolated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_000, help="a smaller corpus, to show RSS does not grow")
    args = parser.parse_args()
    table = Table(title="ingest + pre-annotate (BBC replicated)")
    for col in ("contender", "workers", "articles", "seconds", "articles/s", "MB/s", "peak RSS MB", "x spaCy"):
        table.add_column(col, justify="right", no_wrap=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.small, args.n):
            corpus = Path(tmp) / str(n)
            replicate_bbc(corpus, n)
            runs = [run_isolated("bench.preannotate_contenders", "spacy", str(corpus))]
            runs += [run_isolated("bench.preannotate_contenders", "curation", str(corpus))]
            runs += [run_isolated("bench.preannotate_contenders", "curation-tasks", str(corpus), w) for w in ("1", "2")]
            reference = runs[0]["mb"] / runs[0]["seconds"]
            for r in runs:
                mbps = r["mb"] / r["seconds"]
                table.add_row(r["contender"], str(r["workers"]), str(r["articles"]), f"{r['seconds']:.2f}",
                              f"{r['articles'] / r['seconds']:.0f}", f"{mbps:.2f}", f"{r['peak_rss_mb']:.0f}",
                              f"{mbps / reference:.2f}")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
