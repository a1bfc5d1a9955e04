"""Dataset versions on disk: `ROOT/NAME/X.Y.Z/`, semantic version numbers, bumps.

A version folder is complete or absent: it appears by one rename (see write.py).
Anything else in `ROOT/NAME/` (a `.partial-*` folder of an export in progress or
killed) is not a version.
"""

from __future__ import annotations

import re
from pathlib import Path

from curation.errors import CurationError

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
BUMPS = ("major", "minor", "patch")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")  # a slug: no separator, no hidden name


class VersionError(CurationError, ValueError):
    """A version that cannot be made, found or compared; the message says why."""


def dataset_dir(root: Path, name: str) -> Path:
    """`root/name`, for a name that is a simple slug (letters, digits, `-`, `_`, `.`, no `..`; 96 at most) and
    that resolves inside `root` (a symlink out of it is refused too)."""
    if not NAME.match(name) or ".." in name:
        raise VersionError(f"dataset name {name!r} is not a simple name: use letters, digits, '-', '_' and '.' "
                           "(starting with a letter or digit, 96 characters at most)")
    folder = root / name
    if not folder.resolve().is_relative_to(root.resolve()):
        raise VersionError(f"dataset name {name!r}: {folder} resolves outside the datasets root {root}")
    return folder


def parse(version: str) -> tuple[int, int, int]:
    if not (m := SEMVER.match(version)):
        raise VersionError(f"version {version!r} is not X.Y.Z (e.g. 1.0.0)")
    return int(m[1]), int(m[2]), int(m[3])


def versions(dataset_dir: Path) -> list[str]:
    """The complete versions of a dataset, oldest first."""
    if not dataset_dir.is_dir():
        return []
    return sorted((p.name for p in dataset_dir.iterdir() if p.is_dir() and SEMVER.match(p.name)), key=parse)


def latest(dataset_dir: Path) -> str:
    if not (found := versions(dataset_dir)):
        raise VersionError(f"no versions of {dataset_dir.name} under {dataset_dir.parent}")
    return found[-1]


def bump(current: str | None, part: str) -> str:
    """The next version after `current` (1.0.0 when there is none yet)."""
    if current is None:
        return "1.0.0"
    major, minor, patch = parse(current)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[part]


def parent(dataset_dir: Path, version: str) -> str | None:
    """The newest existing version below `version`: what its changelog is written against."""
    below = [v for v in versions(dataset_dir) if parse(v) < parse(version)]
    return below[-1] if below else None


def resolve(dataset_dir: Path, version: str) -> Path:
    """The folder of `version` ("latest" allowed); VersionError if there is no such version."""
    name = latest(dataset_dir) if version == "latest" else version
    parse(name)
    path = dataset_dir / name
    if not path.is_dir():
        known = ", ".join(versions(dataset_dir)) or "none"
        raise VersionError(f"{dataset_dir.name} has no version {name} (versions: {known})")
    return path
