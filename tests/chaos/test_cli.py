"""`experiment chaos …` and `experiment run … --chaos` through typer's CliRunner: listing,
and bad input as one line with exit code 2 before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from chaos import BUNDLED, BUNDLED_PIPELINE
from experiments.cli import app

runner = CliRunner()
TASK = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache" / "task.yaml"


def test_tasks_are_listed_with_what_they_need() -> None:
    result = runner.invoke(app, ["chaos", "tasks"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) >= 12 and any("needs js,cookies" in line for line in lines)


def test_a_bad_chaos_yaml_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "chaos.yaml"
    bad.write_text("name: x\nagents: []\nmethod: {faults: [{kind: js_off}]}\n", encoding="utf-8")
    result = runner.invoke(app, ["chaos", "run", str(bad), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert "field 'agents'" in result.output and "fix:" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "run").exists()


def test_unknown_tasks_and_faults_are_refused_before_the_browser_starts(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["chaos", "run", str(BUNDLED), "--tasks", "nope", "--out", str(out)]
    )
    assert result.exit_code == 2 and "unknown task id(s) nope" in result.output
    result = runner.invoke(app, ["chaos", "run", "--faults", "gremlins", "--out", str(out)])
    assert result.exit_code == 2 and "--faults" in result.output and not out.exists()


def test_report_and_resume_need_a_chaos_run(tmp_path: Path) -> None:
    for command in ("report", "resume"):
        result = runner.invoke(app, ["chaos", command, str(tmp_path)])
        assert result.exit_code == 2 and "no chaos.yaml there" in result.output


def test_run_chaos_takes_a_pipeline_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(TASK), "--chaos", str(BUNDLED), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "target: pipeline" in result.output
    assert list(tmp_path.iterdir()) == []


def test_run_chaos_refuses_a_missing_task(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["run", "tasks/nope/task.yaml", "--chaos", str(BUNDLED_PIPELINE), "--out", str(tmp_path)],
    )
    assert result.exit_code == 2 and "no such task" in result.output
    assert list(tmp_path.iterdir()) == []


def test_help_does_not_import_the_browser_or_the_server() -> None:
    code = (
        "import sys; from experiments.cli import app\n"
        "try:\n    app(['chaos', '--help'])\nexcept SystemExit:\n    pass\n"
        "names = ('playwright', 'starlette', 'uvicorn', 'matplotlib')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "HEAVY []" in output.stdout


def test_an_unknown_model_is_one_line_before_the_run_directory(tmp_path: Path) -> None:
    config = tmp_path / "chaos.yaml"
    config.write_text(
        "name: m\nagents: [{name: x, kind: llm, model: nope/model}]\n"
        "method: {faults: [{kind: js_off}]}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["chaos", "run", str(config), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "unknown provider 'nope'" in result.output
    assert not (tmp_path / "run").exists()
