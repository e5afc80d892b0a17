"""The experiment budget: saved with the experiment, kept by resume, shared by running trials."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from experiments import new_experiment_dir, run_experiment
from experiments.cli import app
from tests.experiments.test_matrix import SCRIPTS, TASKS, rows, spec_file

runner = CliRunner()


def priced_spec(tmp_path: Path, trials: int) -> Path:
    """One task; the builder makes 7 calls at $0.01 each, the regenerators cost nothing."""
    priced = tmp_path / "priced-builder.yaml"
    script = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())
    priced.write_text(yaml.safe_dump({**script, "cost_per_call": 0.01}))
    return spec_file(tmp_path, builder=priced, tasks=TASKS[:1], trials=trials)


def saved_budget(folder: Path) -> float:
    return float(yaml.safe_load((folder / "experiment.yaml").read_text())["max_cost"])


def test_the_cli_budget_is_saved_and_kept_on_resume(tmp_path: Path) -> None:
    path = priced_spec(tmp_path, trials=4)
    out = tmp_path / "runs"
    first = runner.invoke(
        app, ["run", str(path), "--out", str(out), "--max-cost", "0.1", "--max-concurrency", "1"]
    )
    assert first.exit_code == 0, first.output
    [folder] = out.iterdir()
    assert saved_budget(folder) == 0.1
    assert len(rows(folder)) == 2 * 2  # two trials, two arms each

    again = runner.invoke(app, ["resume", str(folder), "--max-concurrency", "1"])
    assert again.exit_code == 0, again.output
    assert len(rows(folder)) == 4, "resume ran trials past the saved budget"
    assert "budget of $0.10" in json.loads((folder / "status.json").read_text())["stopped"]

    raised = runner.invoke(app, ["resume", str(folder), "--max-cost", "1"])
    assert raised.exit_code == 0, raised.output
    assert saved_budget(folder) == 1.0 and len(rows(folder)) == 4 * 2
    assert json.loads((folder / "status.json").read_text())["stopped"] is None


def test_the_live_line_ends_before_the_summary_and_the_wall_time_ends_it(tmp_path: Path) -> None:
    path = priced_spec(tmp_path, trials=1)
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    summary = next(line for line in result.output.splitlines() if "trials finished" in line)
    assert summary.startswith("1/1 trials finished"), summary
    assert result.output.strip().splitlines()[-1].startswith("wall time: ")


def test_running_trials_share_what_the_budget_has_left(tmp_path: Path) -> None:
    folder = new_experiment_dir(priced_spec(tmp_path, trials=4), tmp_path / "runs", max_cost=0.1)
    progress = run_experiment(folder, max_concurrency=2)
    caps = [
        yaml.safe_load(run.read_text())["config"]["max_cost_usd"]
        for run in folder.glob("*/run.yaml")
    ]
    # Two trials start together: each may spend half, not all, of the $0.10.
    assert len(caps) == 2 and all(cap is not None and cap <= 0.05 + 1e-9 for cap in caps)
    spent = json.loads((folder / "usage.json").read_text())["total"]["cost_usd"]
    # Uncapped, both builders would spend $0.07 ($0.14); a limit can be passed by one call.
    assert spent <= 0.1 + 2 * 0.01 + 1e-9
    assert progress.stopped is not None and "budget" in progress.stopped


def test_a_budget_of_zero_is_refused_before_the_dir_exists(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    result = runner.invoke(
        app, ["run", str(priced_spec(tmp_path, 1)), "--out", str(out), "--max-cost", "0"]
    )
    assert result.exit_code == 2 and "--max-cost: 0.0 is not above 0" in result.output
    assert not out.exists()
