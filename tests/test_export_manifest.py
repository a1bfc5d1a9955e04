"""A damaged manifest.json (truncated, not JSON, a key missing, a value of the wrong type) is one line naming the
file and what is wrong, exit 1, no traceback, in every command that reads it; nothing is written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from tests.export_fixtures import small_version


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("manifest")
    small_version(root)
    small_version(root, version="1.1.0", allow_same=True)
    return root


def truncated(text: str) -> str:
    return text[: len(text) // 2]


def not_json(text: str) -> str:
    return "\x00\x01 this is not a manifest"


def key_missing(text: str) -> str:
    manifest = json.loads(text)
    del manifest["counts"]
    return json.dumps(manifest)


def wrong_type(text: str) -> str:
    manifest = json.loads(text)
    manifest["articles"] = list(manifest["articles"])
    return json.dumps(manifest)


def nested_wrong_type(text: str) -> str:
    manifest = json.loads(text)
    manifest["counts"]["train"]["articles"] = "three"
    return json.dumps(manifest)


DAMAGES = {
    truncated: "damaged: not valid JSON",
    not_json: "damaged: not valid JSON",
    key_missing: "damaged: counts: field required",
    wrong_type: "damaged: articles: input should be a valid dictionary (found list)",
    nested_wrong_type: "damaged: counts.train.articles: input should be a valid integer (found str)",
}

COMMANDS = {
    "verify": lambda root, out: ["verify", "small@1.0.0"],
    "convert": lambda root, out: ["convert", "small@1.0.0", "--to", "prodigy", "-o", str(out)],
    "publish": lambda root, out: ["publish", "small@1.0.0", "--repo", "org/small", "--dry-run"],
    "diff": lambda root, out: ["diff", "small", "1.0.0", "1.1.0"],
    "train": lambda root, out: ["train", "-o", str(out), "--dataset", "small@1.0.0"],
    "export --bump": lambda root, out: ["export", "--name", "small", "--bump", "minor", "--workspace", str(root / "ws")],
}


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_damaged_manifest_is_one_line_naming_the_file_and_what_is_wrong(exported, tmp_path, damage, command):
    root = tmp_path / "copy"
    shutil.copytree(exported / "datasets", root / "datasets")
    shutil.copytree(exported / "ws", root / "ws")
    # export's bump reads the newest version (its parent); the other commands read 1.0.0
    path = root / "datasets" / "small" / ("1.1.0" if command == "export --bump" else "1.0.0") / "manifest.json"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    out = tmp_path / "out"
    before = sorted(p.relative_to(root).as_posix() for p in (root / "datasets").rglob("*"))
    result = CliRunner().invoke(app, [*COMMANDS[command](root, out), "--root", str(root / "datasets")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("[")]  # train's progress
    assert len(lines) == 1, result.stderr
    assert f"{path}: {DAMAGES[damage]}" in lines[0], lines[0]
    assert "unexpected" not in lines[0] and "Traceback" not in result.output
    if command != "verify":
        assert lines[0].startswith("error: ")
    else:
        assert result.stdout.strip() == "small@1.0.0: FAILED"
    assert not out.exists() or not any(out.iterdir())  # convert and train wrote nothing
    assert sorted(p.relative_to(root).as_posix() for p in (root / "datasets").rglob("*")) == before


def test_a_missing_manifest_is_named(exported, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(exported / "datasets", root / "datasets")
    path = root / "datasets" / "small" / "1.0.0" / "manifest.json"
    path.unlink()
    result = CliRunner().invoke(app, ["diff", "small", "1.0.0", "1.1.0", "--root", str(root / "datasets")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {path}: missing: {path.parent} is not a complete dataset version"
