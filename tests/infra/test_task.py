"""`experiment cloud task`: Cloud Run tasks split an experiment and resume after a retry.

The "bucket" is a local folder standing in for the Cloud Storage FUSE mount; the models are
the scripted mock (a test double, not a model's result).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from experiments import ExperimentDir, RunDir, Shard, expand, load_experiment
from infra._task import TaskPlace, run_task

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests" / "experiments" / "scripts"

pytestmark = pytest.mark.slow


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    data = {
        "name": "sharded",
        "tasks": [str(ROOT / "tasks" / "lru-ttl-cache")],
        "models": [
            {
                "builder": f"mock/{SCRIPTS / 'builder.yaml'}",
                "regenerator": f"mock/{SCRIPTS / 'regenerator.yaml'}",
            }
        ],
        "arms": ["journal"],
        "trials": 3,
    }
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def keys(folder: Path) -> set[str]:
    lines = (folder / ExperimentDir.RESULTS_LOG).read_text().splitlines()
    return {json.loads(line)["key"] for line in lines}


def test_two_tasks_run_every_trial_once_and_a_retried_task_resumes(
    experiment: Path, tmp_path: Path
) -> None:
    bucket = tmp_path / "bucket"
    all_keys = {job.key for job in expand(load_experiment(experiment), experiment.parent)}
    progress = [
        run_task(experiment, bucket, TaskPlace(Shard(index=i, count=2), "exec-1")) for i in range(2)
    ]
    first, second = (bucket / "exec-1" / f"shard-00{i}-of-002" for i in (1, 2))
    assert [p.total for p in progress] == [2, 1]
    assert keys(first) | keys(second) == all_keys
    assert not keys(first) & keys(second)
    for folder in (first, second):
        saved = yaml.safe_load((folder / ExperimentDir.SPEC).read_text())
        assert saved["shard"]["count"] == 2
        assert all((folder / key / RunDir.RESULTS).is_file() for key in keys(folder))

    again = run_task(experiment, bucket, TaskPlace(Shard(index=0, count=2), "exec-1"))
    assert (again.done, again.skipped, again.total) == (0, 2, 2)
    assert len((first / ExperimentDir.RESULTS_LOG).read_text().splitlines()) == 2


# Each runner's environment for the last of three shards: Cloud Run's task variables, or the
# indexed Job's completion index with the count and the execution `experiment cloud run` sets.
PLACES = {
    "cloud_run": {
        "CLOUD_RUN_TASK_INDEX": "2",
        "CLOUD_RUN_TASK_COUNT": "3",
        "CLOUD_RUN_EXECUTION": "regenlab-dev-runner-abc12",
    },
    "gke": {
        "JOB_COMPLETION_INDEX": "2",
        "REGENLAB_TASK_COUNT": "3",
        "REGENLAB_EXECUTION": "regenlab-dev-runner-abc12",
    },
}


@pytest.mark.parametrize("runner", sorted(PLACES))
def test_the_command_reads_its_shard_from_the_runners_environment(
    experiment: Path, tmp_path: Path, runner: str
) -> None:
    bucket = tmp_path / "bucket"
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "ANTHROPIC_API_KEY").write_text("unused-by-the-mock-models")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLOUD_RUN_", "JOB_COMPLETION", "REGENLAB_"))
    }
    env |= PLACES[runner] | {
        "REGENLAB_RUNS_DIR": str(bucket),
        "REGENLAB_SECRETS_DIR": str(secrets),
    }
    done = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "cloud", "task", str(experiment)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    folder = bucket / "runs" / "regenlab-dev-runner-abc12" / "shard-003-of-003"
    assert "shard-003-of-003: 1/1 trials finished, 0 failed" in done.stdout
    assert len(keys(folder)) == 1
    assert next(iter(keys(folder))).endswith("trial3")
