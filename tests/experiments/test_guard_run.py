"""Guards of `experiment run`: bad input fails in one line and leaves nothing behind; a run
under the weak `local` sandbox says that its arms were not isolated from the original."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents import AgentsError
from experiments import RunConfig, RunDir, TaskFormatError, load_task_arg, run_trials
from experiments._trial_result import LOCAL_SANDBOX_NOTE, notes
from experiments.cli import app
from experiments.reports import trial_report

SCRIPTS = Path(__file__).with_name("scripts")
BUNDLED_TASK = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache"
runner = CliRunner()


def _words(text: str) -> str:
    """Text with line wrapping undone, for phrases a narrow console may have split."""
    return " ".join(text.split())


def test_an_unknown_model_fails_before_a_run_directory_exists(task_dir: Path, tmp_path: Path):
    out = tmp_path / "runs"
    with pytest.raises(AgentsError, match="foo"):
        run_trials(task_dir, builder_model="foo/bar", out=out)
    assert not out.exists() or list(out.iterdir()) == []
    result = runner.invoke(
        app, ["run", str(task_dir), "--builder-model", "foo/bar", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "foo" in result.output and "Traceback" not in result.output
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("given", ["tasks/nope/task.yaml", "tasks/nope", "nope.yaml"])
def test_a_missing_task_path_is_one_line_naming_it(
    given: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TaskFormatError) as caught:
        load_task_arg(given)
    assert str(caught.value).startswith(f"{given}: no such task file or folder; fix: ")
    result = runner.invoke(app, ["run", given, "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert _words(result.output).startswith(f"error: {given}: no such task file or folder")
    assert "tasks/tasks" not in result.output and "task.yaml/task.yaml" not in result.output
    assert not (tmp_path / "runs").exists()


def test_a_task_id_still_resolves(task_dir: Path) -> None:
    assert load_task_arg(task_dir).id == "lru-ttl-cache"


def test_notes_flag_the_local_sandbox_only() -> None:
    config = RunConfig(task=Path("task.yaml"))
    assert LOCAL_SANDBOX_NOTE in notes(config, "local")
    assert LOCAL_SANDBOX_NOTE not in notes(config, "bwrap")
    assert LOCAL_SANDBOX_NOTE not in notes(config, "docker")
    assert "not isolated from the original" in LOCAL_SANDBOX_NOTE


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The console output and run directory of a mock run under the `local` sandbox."""
    root = tmp_path_factory.mktemp("local-run")
    task = shutil.copytree(BUNDLED_TASK, root / "tasks" / BUNDLED_TASK.name)
    arguments = [
        *("run", str(task), "--arms", "journal", "--sandbox", "local", "--out", str(root / "runs")),
        *("--builder-model", f"mock/{SCRIPTS / 'builder.yaml'}"),
        *("--regenerator-model", f"mock/{SCRIPTS / 'regenerator.yaml'}"),
    ]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    [run_dir] = (root / "runs").iterdir()
    return result.output, run_dir


def test_a_local_sandbox_run_says_so_in_results_and_on_the_console(
    local_run: tuple[str, Path],
) -> None:
    output, run_dir = local_run
    assert f"note: {LOCAL_SANDBOX_NOTE}" in _words(output)
    saved = json.loads((run_dir / RunDir.RESULTS).read_text())
    assert saved["status"] == "completed" and LOCAL_SANDBOX_NOTE in saved["notes"]


def test_the_trial_report_shows_undefined_similarity_and_api_match(
    local_run: tuple[str, Path],
) -> None:
    _, run_dir = local_run
    path = run_dir / RunDir.ANALYSIS
    analyses = json.loads(path.read_text())
    analyses["journal"]["similarity"]["text_overall"] = None
    analyses["journal"]["structure"]["api"]["match_rate"] = None
    path.write_text(json.dumps(analyses))
    html, markdown = trial_report(run_dir)
    for text in (html, markdown):
        assert "Text similarity undefined" in text
        assert "public symbols of the original (undefined)" in text
