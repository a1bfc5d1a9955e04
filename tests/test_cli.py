"""The command line itself: start-up without heavy imports, help that reads naturally, one error policy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from curation.cli import app
from curation.cli._app import CurationGroup
from curation.cli.reference import command_paths, reference
from curation.cli.shapes import SHAPES, mismatches
from tests.conftest import ROOT
from tests.test_evaluation import write_tiny_benchmarks

runner = CliRunner()
EXAMPLES = ROOT / "examples" / "articles"
EXAMPLE_DATASETS = ROOT / "datasets"
HEAVY = ("label_studio_sdk", "datasets", "matplotlib", "pandas", "polars", "pyarrow", "trafilatura", "sklearn", "spacy")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter holds after running `code`."""
    probe = f"import sys\n{code}\nimport json; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return [name for name in json.loads(out.splitlines()[-1]) if name in HEAVY]


def test_importing_the_package_and_the_cli_loads_no_heavy_library():
    assert loaded_after("import curation") == []
    assert loaded_after("import curation.cli") == []


def test_help_of_every_command_loads_no_heavy_library():
    helps = "\n".join(
        f"try:\n    app({[*path, '--help']!r}, prog_name='curation')\nexcept SystemExit:\n    pass"
        for path in [(), *command_paths()])
    assert loaded_after(f"import io, contextlib\nfrom curation.cli import app\nwith contextlib.redirect_stdout(io.StringIO()):\n"
                        + "\n".join("    " + line for line in helps.splitlines())) == []


def test_curation_help_in_a_fresh_process_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "curation", "--help"], capture_output=True, text=True, check=True)
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(get_command(app).commands)


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    summary = result.output.split("Usage:")[1].split("\n\n")[1].strip()
    assert len(summary) > 20, f"{' '.join(path)} has no help text"


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"curation {version('curation')}\n"


def test_help_shows_flags_without_a_value_and_defaults_as_written():
    status = runner.invoke(app, ["status", "--help"]).output
    json_line = next(line for line in status.splitlines() if "--json" in line)
    assert "<bool>" not in json_line and "--json " in json_line
    assert "[default: schemas/v1]" in runner.invoke(app, ["schema", "--help"]).output
    tasks = runner.invoke(app, ["tasks", "--help"]).output
    assert "[default: rules]" in tasks and "[default: 10000000; x>=1]" in tasks


def test_shell_completion_is_offered(monkeypatch):
    assert "--install-completion" in runner.invoke(app, ["--help"]).output
    # the shell named, not detected from the process tree (a test run from no shell has none to find)
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    script = runner.invoke(app, ["--show-completion", "bash"])
    assert script.exit_code == 0 and "_CURATION_COMPLETE" in script.output.upper()


def test_a_missing_workspace_folder_is_named_before_any_work(tmp_path):
    missing = tmp_path / "nowhere"
    for command in (["status"], ["pull"], ["agreement"], ["server", "status"]):
        result = runner.invoke(app, [*command, "-w", str(missing)])
        assert result.exit_code == 2, result.output
        assert f"{missing} does not exist" in result.output and "no project" not in result.output
    from_env = CliRunner(env={"CURATION_WORKSPACE": str(missing)}).invoke(app, ["status"])
    assert from_env.exit_code == 2 and f"{missing} does not exist" in from_env.output
    (tmp_path / "file").write_text("")
    result = runner.invoke(app, ["status", "-w", str(tmp_path / "file")])
    assert result.exit_code == 2 and "is not a folder" in result.output


def test_an_unknown_preannotator_is_a_usage_error_naming_what_is_installed(tmp_path):
    (tmp_path / "a.txt").write_text("The minister said taxes rose.\n")
    result = runner.invoke(app, ["tasks", str(tmp_path), "-o", str(tmp_path / "t.json"), "--preannotator", "nope"])
    assert result.exit_code == 2
    assert "no pre-annotator 'nope' is installed; available: rules" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "t.json").exists()


def test_a_project_error_is_one_line_and_exit_1(tmp_path):
    (tmp_path / ".curation").mkdir()
    (tmp_path / ".curation" / "config.json").write_text('{"port": "not a port"}')
    result = runner.invoke(app, ["status", "-w", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert str(tmp_path / ".curation" / "config.json") in result.stderr and "port" in result.stderr


def test_the_library_error_for_an_unknown_preannotator_is_clear():
    from curation import CurationError, get_preannotator

    with pytest.raises(CurationError) as caught:
        get_preannotator("nope")
    assert str(caught.value) == "unknown pre-annotator 'nope'; available: rules"


@pytest.mark.parametrize(("args", "said"), [
    (["status", "--no-such-flag"], "No such option: --no-such-flag (see 'curation status --help')"),
    (["schema", "--write", "--check"], "use either --write or --check (see 'curation schema --help')"),
    (["tasks", "x", "-o", "y", "--workers", "0"], "'--workers'"),
    (["team", "add"], "Missing argument 'email'. (see 'curation team add --help')"),
    (["--no-such-flag"], "No such option: --no-such-flag (see 'curation --help')"),
    (["export", "--name", "x", "--version", "1.0.0", "--bump", "minor"],
     "give exactly one of --version X.Y.Z or --bump major|minor|patch (see 'curation export --help')"),
    (["export", "--name", "x"], "give exactly one of --version X.Y.Z or --bump major|minor|patch"),
])
def test_usage_errors_exit_2_in_one_line(args, said):
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1 and said in result.stderr


def test_a_group_without_its_command_shows_its_help():
    result = runner.invoke(app, ["team"])
    assert result.exit_code == 2 and "Commands:" in result.output and "add" in result.output


def test_a_bug_is_one_line_naming_type_and_place_not_a_traceback(monkeypatch):
    broken = typer.Typer(cls=CurationGroup)

    @broken.command()
    def divide() -> None:
        1 / 0  # co_firstlineno is the decorator line: this is + 2

    @broken.command()
    def other() -> None:
        """A second command, so `broken` is a group as `curation` is."""

    result = runner.invoke(broken, ["divide"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == ("error: unexpected ZeroDivisionError: division by zero at test_cli.py:"
                             f"{divide.__code__.co_firstlineno + 2} (a bug in curation; CURATION_DEBUG=1 shows the "
                             "traceback)\n")
    monkeypatch.setenv("CURATION_DEBUG", "1")
    assert isinstance(runner.invoke(broken, ["divide"]).exception, ZeroDivisionError)


def test_preannotators_lists_installed_ones_and_a_broken_one_without_hiding_the_rest():
    from curation.preannotate import _registry, register
    from curation.preannotate.rules import RulePreannotator

    def broken():
        raise ImportError("no module named 'missing_model'")

    register("broken", broken)
    try:
        result = runner.invoke(app, ["preannotators", "--json"])
    finally:
        _registry.pop("broken")
    assert result.exit_code == 0, result.output
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert listed["rules"]["model_version"] == RulePreannotator().model_version
    assert listed["rules"]["entry_point"] == "curation.preannotate.rules:RulePreannotator"
    assert listed["broken"]["model_version"] is None and "missing_model" in listed["broken"]["error"]


def test_the_cli_reference_is_generated_from_the_help_and_is_fresh():
    """Regenerate with: python -m curation.cli.reference > docs/cli.md"""
    documented = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert documented == reference()
    for path in command_paths():
        assert f"\n## curation {' '.join(path)}\n" in documented


def test_every_json_option_has_a_documented_shape_and_every_shape_a_command():
    with_json = {" ".join(path) for path in command_paths()
                 if "--json" in runner.invoke(app, [*path, "--help"]).output}
    assert {key.split(" --")[0] for key in SHAPES} == with_json
    reporting = {"tasks", "push", "pull", "status", "export", "versions", "diff", "verify", "agreement",
                 "disagreements", "report", "adjudicate", "evaluate", "preannotators", "server status"}
    assert reporting <= with_json


def test_the_shape_checker_catches_missing_extra_and_mistyped_keys():
    shape = SHAPES["versions"]
    good = [{"version": "1.0.0", "created_at": "2026-01-01", "articles": 3, "parent": None}]
    assert mismatches(good, shape) == []
    assert mismatches([{**good[0], "extra": 1}], shape) == ["$[0]: unexpected key 'extra'"]
    assert mismatches([{k: v for k, v in good[0].items() if k != "articles"}], shape) == ["$[0]: missing key 'articles'"]
    assert mismatches([{**good[0], "articles": "3"}], shape) == ["$[0].articles: expected int, got str"]
    assert mismatches([{**good[0], "version": None}], shape) == ["$[0].version: expected str, got NoneType"]


def json_of(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def test_tasks_json_reports_the_file_and_each_problem(tmp_path):
    shutil.copytree(EXAMPLES, tmp_path / "in")
    (tmp_path / "in" / "bad.txt").write_bytes(b"\xff\xfe not utf-8")
    got = json_of("tasks", str(tmp_path / "in"), "-o", str(tmp_path / "t.jsonl"), "--format", "jsonl", "--json", code=1)
    assert not mismatches(got, SHAPES["tasks"])
    assert got["tasks"] == len((tmp_path / "t.jsonl").read_text().splitlines()) == 5  # the examples: 5 articles
    assert [(p["path"], p["severity"]) for p in got["problems"]] == [(str(tmp_path / "in" / "bad.txt"), "error")]


def test_dataset_commands_report_json_on_the_committed_example_dataset(tmp_path):
    manifest = json.loads((EXAMPLE_DATASETS / "examples" / "1.0.0" / "manifest.json").read_text())
    listed = json_of("versions", "examples", "--root", str(EXAMPLE_DATASETS), "--json")
    assert not mismatches(listed, SHAPES["versions"])
    assert listed == [{"version": "1.0.0", "created_at": manifest["created_at"],
                       "articles": len(manifest["articles"]), "parent": None}]
    same = json_of("diff", "examples", "1.0.0", "1.0.0", "--root", str(EXAMPLE_DATASETS), "--json")
    assert not mismatches(same, SHAPES["diff"])
    assert same["articles"] == {"added": [], "removed": [], "changed": []}
    assert all(n["from"] == n["to"] for n in same["labels"].values())
    shutil.copytree(EXAMPLE_DATASETS / "examples", tmp_path / "examples")
    with (tmp_path / "examples" / "1.0.0" / "README.md").open("a") as card:
        card.write("tampered\n")
    checked = json_of("verify", "examples", "--root", str(tmp_path), "--json", code=1)
    assert not mismatches(checked, SHAPES["verify"])
    assert [(c["version"], c["ok"]) for c in checked] == [("1.0.0", False)]
    assert any("README.md" in problem for problem in checked[0]["problems"])
    # the committed example renders its card (its manifest has what card.render reads): publish lists its files
    dry = runner.invoke(app, ["publish", "examples@1.0.0", "--repo", "org/examples", "--dry-run",
                              "--root", str(EXAMPLE_DATASETS)])
    assert dry.exit_code == 0, dry.output
    files = sorted(p.relative_to(EXAMPLE_DATASETS / "examples" / "1.0.0").as_posix()
                   for p in (EXAMPLE_DATASETS / "examples" / "1.0.0").rglob("*") if p.is_file())
    assert [line.split()[-1] for line in dry.stdout.splitlines()[:-1]] == files
    # it predates shards (one {config}/{split}.parquet): the card publish uploads still names the files it has
    from huggingface_hub import DatasetCard

    from curation.export import card

    example = EXAMPLE_DATASETS / "examples" / "1.0.0"
    configs = DatasetCard(card.render(manifest, repo_id="org/examples")).data.configs
    paths = [f["path"] for c in configs for f in c["data_files"]]
    assert len(paths) == 5 and all(sorted(example.glob(p)) == [example / p] for p in paths), paths


def test_evaluate_json_follows_its_shape(tmp_path):
    write_tiny_benchmarks(tmp_path)
    assert not mismatches(json_of("evaluate", "--benchmarks", str(tmp_path), "--json"), SHAPES["evaluate"])


def test_json_is_utf8_text_not_escapes(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ünïcode.txt").write_text("")
    out = runner.invoke(app, ["tasks", str(tmp_path / "in"), "-o", str(tmp_path / "t.json"), "--json"]).stdout
    assert "ünïcode.txt" in out and "\\u" not in out


@pytest.mark.labelstudio
def test_push_pull_status_and_adjudicate_report_json_in_their_shapes(labelstudio):
    ws = labelstudio.workspace
    ws.save_config(ws.config().model_copy(update={"project_title": "cli json", "project_id": None}))
    pushed = json_of("push", str(EXAMPLES), "-w", str(ws.root), "--json")
    assert not mismatches(pushed, SHAPES["push"])
    project_id = ws.config().project_id
    assert (pushed["project_id"], pushed["imported"], pushed["unchanged"]) == (project_id, 5, 0)
    assert pushed["url"] == f"{labelstudio.url}/projects/{project_id}"
    again = json_of("push", str(EXAMPLES), "-w", str(ws.root), "--json", "--predictions-only")
    assert not mismatches(again, SHAPES["push --predictions-only"])
    assert (again["added"], again["current"], again["not_in_project"]) == (0, 5, [])
    task = next(iter(labelstudio.client.tasks.list(project=project_id)))
    labelstudio.client.annotations.create(id=task.id, result=[])
    pulled = json_of("pull", "-w", str(ws.root), "--json")
    assert not mismatches(pulled, SHAPES["pull"])
    assert (pulled["tasks_checked"], pulled["events"]["created"]) == (5, 1)
    status = json_of("status", "-w", str(ws.root), "--json")
    assert not mismatches(status, SHAPES["status"]) and sum(n or 0 for n in status["tasks"].values()) == 5
    assert json_of("adjudicate", "-w", str(ws.root), "--json") == []  # one annotator: nothing in dispute


# each command's library function, as curation/__init__.py's docstring lists them
MIRRORS = {
    "tasks": ["ingest", "iter_tasks", "write_tasks"], "push": ["connect", "push_tasks", "refresh_predictions"],
    "pull": ["pull"], "status": ["project_status"], "agreement": ["agreement"], "disagreements": ["disputes"],
    "adjudicate": ["adjudicate"], "report": ["write_report"], "evaluate": ["evaluate", "utility"],
    "config": ["labeling_config"], "versions": ["versions"], "diff": ["changelog"], "verify": ["verify"],
    "preannotators": ["get_preannotator", "register"],
    "team add": ["add_member"], "team list": ["team_rows"], "team remove": ["remove_member"],
    "review": ["needing_review", "publish_review"], "convert": ["convert"], "publish": ["publish"],
    "train": ["train_model"],
}
NOT_MIRRORED = {"export": "curation.export.export (the name is the package's)", "schema": "curation.jsonschemas",
                "server": "curation.server", "server start": "", "server stop": "", "server status": "",
                "server prune": "curation.server.postgres.prune",
                "team": "curation.team"}


def test_the_python_api_mirrors_every_command_without_importing_at_start():
    import curation

    assert {" ".join(path) for path in command_paths()} == set(MIRRORS) | set(NOT_MIRRORED)
    for command, names in MIRRORS.items():
        for name in names:
            assert name in curation.__all__ and callable(getattr(curation, name)), (command, name)
            assert name in curation.__doc__


def test_every_module_imports_on_its_own():
    """Commands import the library lazily, so any module may be the first one loaded: none may depend on
    another having been imported before it (a circular import that only the import order hid)."""
    probe = """
import importlib, pkgutil, sys, curation
failed = []
for info in pkgutil.walk_packages(curation.__path__, "curation."):
    if info.name.endswith("__main__"):  # runs the CLI
        continue
    for name in [m for m in sys.modules if m == "curation" or m.startswith("curation.")]:
        del sys.modules[name]
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
print("\\n".join(failed))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copytree(EXAMPLES, tmp_path / "examples" / "articles")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    written = json.loads((tmp_path / "tasks.json").read_text())
    assert len(written) == 5 and all(task["predictions"] for task in written)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 5 and all("[('" in line for line in printed)  # a title, then (label, text) pairs
