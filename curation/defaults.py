"""Defaults shared by the library functions and the CLI options, each written once.

Import-free on purpose: `curation --help` shows these values without loading the library they configure.
"""

from __future__ import annotations

PREANNOTATOR = "rules"  # the built-in rules pre-annotator (entry point `rules`)
MAX_BYTES = 10_000_000  # one article: a whole .txt/.md/.html file, or one JSONL line
WORKERS = 1  # processes; the output is identical whatever the number
LICENSE = "cc-by-4.0"  # licence of exported annotations (the dataset card's `license`)
