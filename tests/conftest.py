"""Shared test helpers: where the public development data lives, and skipping without it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE_ARTICLE = SHARED / "articles" / "000_ea3aae53720f8154.txt"
BENCHMARKS = SHARED / "benchmarks"


def need(path: Path) -> Path:
    """`path`, or skip the test saying which shared file is missing."""
    if not path.exists():
        pytest.skip(f"{path} is absent: this test reads the shared example/benchmark data beside the project")
    return path
