"""experiment.yaml: the matrix, concurrency, results.jsonl, resume after SIGKILL, retry, budget."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from experiments import (
    ExperimentsError,
    expand,
    load_experiment,
    new_experiment_dir,
    run_experiment,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).with_name("scripts")
TASKS = [str(ROOT / "tasks" / t) for t in ("lru-ttl-cache", "semver-range", "running-stats")]


def spec_file(tmp_path: Path, builder: Path | None = None, **fields: Any) -> Path:
    data = {
        "name": "matrix-test",
        "tasks": TASKS,
        "models": [
            {
                "builder": f"mock/{builder or SCRIPTS / 'builder.yaml'}",
                "regenerator": f"mock/{SCRIPTS / 'regenerator.yaml'}",
            }
        ],
        "arms": ["journal", "prompt"],
        "trials": 3,
        **fields,
    }
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def rows(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]


def test_the_matrix_expands(tmp_path: Path) -> None:
    path = spec_file(
        tmp_path, journal_styles=["structured", "terse"], code_policies=["none", "snippets:3"]
    )
    jobs = expand(load_experiment(path), tmp_path)
    assert len(jobs) == 3 * 2 * 2 * 3
    assert len({job.key for job in jobs}) == len(jobs)
    snippets = next(j for j in jobs if "snippets" in j.key)
    assert snippets.config.code_policy.max_lines == 3 and snippets.config.arms == [
        "journal",
        "prompt",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"colour": "red"}, "field 'colour'"),
        ({"code_policies": ["some"]}, "field 'code_policies': Value error, 'some' is not none"),
        ({"tasks": []}, "field 'tasks'"),
        ({"trials": 0}, "field 'trials'"),
    ],
)
def test_bad_experiment_files_name_the_field(
    tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ExperimentsError, match=message):
        load_experiment(spec_file(tmp_path, **fields))


def test_a_task_glob_that_matches_nothing(tmp_path: Path) -> None:
    with pytest.raises(ExperimentsError, match="matches no task folder"):
        expand(load_experiment(spec_file(tmp_path, tasks=["nothing/*"])), tmp_path)


def test_killed_halfway_and_resumed_ends_with_exactly_18_results(tmp_path: Path) -> None:
    path = spec_file(tmp_path)
    out = tmp_path / "runs"
    command = [
        sys.executable,
        "-m",
        "experiments.cli",
        "run",
        str(path),
        "--out",
        str(out),
        "--max-concurrency",
        "2",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    results = None
    while time.monotonic() < deadline:
        found = list(out.glob("*/results.jsonl"))
        if found and len(found[0].read_text().splitlines()) >= 6:
            results = found[0]
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert results is not None, "no trial finished before the deadline"
    folder = results.parent
    before = len(rows(folder))
    assert 6 <= before < 18
    resumed = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "resume", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    final = rows(folder)
    assert len(final) == 18
    assert len({(r["key"], r["arm"]) for r in final}) == 18
    assert {r["task"] for r in final} == {"lru-ttl-cache", "semver-range", "running-stats"}
    usage = json.loads((folder / "usage.json").read_text())
    assert usage["total"]["calls"] == 9 * (7 + 3 + 3)


def test_rate_limits_are_retried_and_counted(tmp_path: Path) -> None:
    flaky = tmp_path / "flaky-builder.yaml"
    script = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())
    flaky.write_text(yaml.safe_dump({**script, "fail_rate": 0.3, "fail_status": 429}))
    path = spec_file(tmp_path, builder=flaky, tasks=TASKS[:1], trials=2)
    folder = new_experiment_dir(path, tmp_path / "runs")
    progress = run_experiment(folder, max_concurrency=2)
    assert progress.done == 2 and not progress.failed
    usage = json.loads((folder / "usage.json").read_text())
    assert (
        usage["builder"]["retries"] > 0 and usage["total"]["retries"] == usage["builder"]["retries"]
    )
    per_trial = {r["key"]: r["retries"] for r in rows(folder)}
    assert sum(per_trial.values()) == usage["total"]["retries"]


def test_the_experiment_budget_stops_new_trials(tmp_path: Path) -> None:
    priced = tmp_path / "priced-builder.yaml"
    script = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())
    priced.write_text(yaml.safe_dump({**script, "cost_per_call": 0.01}))
    path = spec_file(tmp_path, builder=priced, tasks=TASKS[:1], trials=4, max_cost=0.1)
    folder = new_experiment_dir(path, tmp_path / "runs")
    progress = run_experiment(folder, max_concurrency=1)
    # Each trial's builder makes 7 calls at $0.01: the first spends $0.07; the second may spend
    # only the $0.03 left (a limit is checked before each call, so it stops at $0.04).
    assert progress.done == 2 and progress.stopped is not None and "budget" in progress.stopped
    assert len(rows(folder)) == 4
    status = json.loads((folder / "status.json").read_text())
    assert status["finished"] == 2 and "budget of $0.10" in status["stopped"]


def test_retry_failed_reruns_only_errored_trials(tmp_path: Path) -> None:
    broken = tmp_path / "builder.yaml"
    script = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())
    broken.write_text(yaml.safe_dump({**script, "fail_rate": 1.0, "fail_status": 503}))
    path = spec_file(tmp_path, builder=broken, tasks=TASKS[:1], trials=1)
    folder = new_experiment_dir(path, tmp_path / "runs")
    first = run_experiment(folder, max_concurrency=1)
    assert first.failed and first.done == 0
    assert run_experiment(folder).failed == first.failed  # resume alone leaves failed trials alone
    broken.write_text(yaml.safe_dump(script))
    again = run_experiment(folder, retry_failed=True)
    assert again.done == 1 and not again.failed
    assert len(rows(folder)) == 2


def test_a_single_task_yaml_still_runs(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from experiments.cli import app

    result = CliRunner().invoke(
        app,
        [
            "run",
            TASKS[0],
            "--builder-model",
            f"mock/{SCRIPTS / 'builder.yaml'}",
            "--regenerator-model",
            f"mock/{SCRIPTS / 'regenerator.yaml'}",
            "--arms",
            "journal",
            "--out",
            str(tmp_path),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0 and "lru-ttl-cache: completed" in result.output
    assert os.listdir(tmp_path)
