"""The command line itself: start-up without heavy imports, help that reads naturally, one error policy."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from curation.cli import app
from curation.cli._app import CurationGroup

runner = CliRunner()
HEAVY = ("label_studio_sdk", "datasets", "matplotlib", "pandas", "polars", "pyarrow", "trafilatura", "sklearn", "spacy")


def command_paths(group=None, prefix=()) -> list[tuple[str, ...]]:
    """Every command as the words that call it (`("server", "start")`), groups included."""
    group = group or get_command(app)
    paths = []
    for name, command in group.commands.items():
        paths.append((*prefix, name))
        if hasattr(command, "commands"):
            paths.extend(command_paths(command, (*prefix, name)))
    return paths


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


def test_shell_completion_is_offered():
    assert "--install-completion" in runner.invoke(app, ["--help"]).output
    script = runner.invoke(app, ["--show-completion", "bash"], env={"SHELL": "/bin/bash"})
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


def test_usage_errors_exit_2():
    assert runner.invoke(app, ["status", "--no-such-flag"]).exit_code == 2
    assert runner.invoke(app, ["schema", "--write", "--check"]).exit_code == 2
    assert runner.invoke(app, ["tasks", "x", "-o", "y", "--workers", "0"]).exit_code == 2


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
