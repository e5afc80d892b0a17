"""The experiment commands' edges: checks before any dir exists, warnings, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from agents import ToolEvent
from experiments.cli import app
from experiments.cli._run import _progress
from tests.experiments.test_matrix import SCRIPTS, TASKS, spec_file

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(
    ("models", "expected"),
    [
        (["nosuchprovider/m"], "field 'models.0': unknown provider 'nosuchprovider'"),
        (
            [{"builder": "mock/nope.yaml", "regenerator": f"mock/{SCRIPTS / 'regenerator.yaml'}"}],
            "field 'models.0.builder': mock script 'nope.yaml' not found; fix: ",
        ),
    ],
)
def test_a_bad_model_is_one_line_before_any_dir(
    tmp_path: Path, models: list[Any], expected: str
) -> None:
    path = spec_file(tmp_path, models=models)
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(path), "--out", str(out)], env=WIDE)
    assert result.exit_code == 2
    line = one_line(result.output)
    assert line.startswith(f"error: {path}: ") and expected in line and "fix:" in line
    assert not out.exists()


def test_an_unknown_executor_is_refused_before_any_dir_and_ignored_flags_named(
    tmp_path: Path,
) -> None:
    out = tmp_path / "runs"
    args = ["run", str(spec_file(tmp_path)), "--out", str(out), "--executor", "dask"]
    result = runner.invoke(app, [*args, "--trials", "5", "--sandbox", "local"], env=WIDE)
    assert result.exit_code == 2, result.output
    warning, error = result.output.strip().splitlines()
    assert warning.startswith("warning: ") and warning.endswith(": --trials, --sandbox")
    assert error == "error: --executor: unknown executor 'dask'; fix: use local or ray"
    assert not out.exists()


def test_resume_takes_the_executor_of_an_experiment(tmp_path: Path) -> None:
    from experiments import new_experiment_dir

    folder = new_experiment_dir(spec_file(tmp_path), tmp_path / "runs")
    result = runner.invoke(app, ["resume", str(folder), "--executor", "dask"], env=WIDE)
    assert result.exit_code == 2 and "unknown executor 'dask'" in one_line(result.output)


def test_a_failed_trial_says_why_in_status_json_and_on_the_console(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    script = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())
    broken.write_text(yaml.safe_dump({**script, "fail_rate": 1.0, "fail_status": 503}))
    path = spec_file(tmp_path, builder=broken, tasks=TASKS[:1], trials=1)
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(path), "--out", str(out)], env=WIDE)
    assert result.exit_code == 1, result.output
    [folder] = out.iterdir()
    errors = json.loads((folder / "status.json").read_text())["errors"]
    [(key, error)] = errors.items()
    assert "HTTP 503" in error
    assert f"failed {key}: {error}" in result.output


def test_markup_in_an_error_message_is_printed_as_it_is() -> None:
    result = runner.invoke(app, ["tasks", "show", "/tmp/x/[/x]"], env=WIDE)
    assert result.exit_code == 2
    line = one_line(result.output)
    assert line.startswith("error: ") and "/tmp/x/[/x]: no such task file or folder" in line


def test_markup_in_a_progress_event_is_printed_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    event = ToolEvent(
        role="builder", turn=1, tool="run", target="ls [/x]", error=False, output_tokens=3
    )
    with _progress() as on_event:
        on_event(event)
    assert "builder turn 1: run ls [/x]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["tasks", "check", "--help"], "(default: every task)"),
        (["tasks", "list", "--help"], "(default: $REGENLAB_TASKS_DIR or ./tasks)"),
        (["cache", "stats", "--help"], "(default: $REGENLAB_CACHE_DIR/responses.sqlite"),
    ],
)
def test_help_keeps_its_defaults(command: list[str], expected: str) -> None:
    result = runner.invoke(app, command)
    # Click's test runner wraps help at 80 columns: compare with the line breaks taken out.
    assert result.exit_code == 0 and expected in " ".join(result.output.split())
