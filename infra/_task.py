"""One task of a job: run this task's shard of an experiment and copy it to the bucket.

Cloud Run starts CLOUD_RUN_TASK_COUNT copies of the runner image and tells each its
CLOUD_RUN_TASK_INDEX; on GKE, an indexed Job gives each pod JOB_COMPLETION_INDEX, and the Job
`experiment cloud run` applies sets REGENLAB_TASK_COUNT and REGENLAB_EXECUTION. Each task runs
its shard (`experiments.shard_items`) in a local experiment directory and copies it into the runs
folder, which on both runners is the bucket mounted through Cloud Storage FUSE. Trials run on
local disk because FUSE supports neither the file locks of results.jsonl nor SQLite's checkpoints;
the copy is made after every finished trial, so a task that is killed and retried (same execution,
same index) resumes from what reached the bucket.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from infra._errors import InfraError

if TYPE_CHECKING:
    from experiments import ExperimentProgress, Shard

BUCKET_MOUNT = "/mnt/runs"
"""Where the bucket is mounted in the runner (Cloud Run volume, GKE Cloud Storage FUSE)."""
RUNS_DIR_ENV = "REGENLAB_RUNS_DIR"
TASK_COUNT_ENV = "REGENLAB_TASK_COUNT"
"""The shard count of a GKE Job (Kubernetes tells a pod its index, not the count)."""
EXECUTION_ENV = "REGENLAB_EXECUTION"
"""The execution's name on GKE: the Job's name."""
SECRETS_DIR_ENV = "REGENLAB_SECRETS_DIR"
"""A folder with one file per API key, named after its variable (the GKE Secret Manager mount)."""


@dataclass(frozen=True)
class TaskPlace:
    """Where one task stands in its job execution, read from the job's environment."""

    shard: Shard
    execution: str
    """The execution's name: every task of one execution writes under the same folder."""


# (index, count, execution) variables of each runner; Cloud Run's when both are set.
PLACE_ENV: Final = {
    "cloud_run": ("CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_COUNT", "CLOUD_RUN_EXECUTION"),
    "gke": ("JOB_COMPLETION_INDEX", TASK_COUNT_ENV, EXECUTION_ENV),
}


def task_place(env: Mapping[str, str] | None = None) -> TaskPlace:
    """This task's shard and execution, from Cloud Run's or the GKE Job's environment.

    Outside both, shard 1 of 1 of a local execution.
    """
    from experiments import Shard

    env = os.environ if env is None else env
    runner = (
        "gke"
        if "JOB_COMPLETION_INDEX" in env and "CLOUD_RUN_TASK_INDEX" not in env
        else "cloud_run"
    )
    index_name, count_name, execution_name = PLACE_ENV[runner]
    index = _integer(env, index_name, "0")
    count = _integer(env, count_name, "1")
    if count < 1 or not 0 <= index < count:
        raise InfraError(
            f"{index_name}={index} with {count_name}={count}: the index must be in 0..count-1; "
            "fix: let the job set both, or set them so"
        )
    execution = env.get(execution_name) or "local-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return TaskPlace(Shard(index=index, count=count), execution)


def load_secret_files(env: MutableMapping[str, str] | None = None) -> list[str]:
    """Set each API key variable from its file in $REGENLAB_SECRETS_DIR; the names it set.

    On GKE the keys arrive as files (the Secret Manager CSI mount), on Cloud Run as variables; a
    variable already set is left alone.
    """
    from infra.conventions import SECRET_ENV

    env = os.environ if env is None else env
    folder = env.get(SECRETS_DIR_ENV)
    if not folder:
        return []
    loaded = []
    for name in SECRET_ENV:
        path = Path(folder) / name
        if path.is_file() and not env.get(name):
            env[name] = path.read_text(encoding="utf-8").strip()
            loaded.append(name)
    return loaded


def _integer(env: Mapping[str, str], name: str, default: str) -> int:
    value = env.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise InfraError(f"{name}={value!r} is not an integer; fix: let the job set it") from None


def run_task(
    experiment_file: Path, runs_dir: Path, place: TaskPlace, *, max_concurrency: int = 4
) -> ExperimentProgress:
    """Run this task's shard into runs_dir/<execution>/<shard>/, resuming what is already there."""
    from experiments import ExperimentDir, run_experiment, write_experiment_dir

    if not experiment_file.is_file():
        raise InfraError(
            f"{experiment_file}: not found; fix: upload it with `experiment cloud run`"
        )
    target = runs_dir / place.execution / place.shard.label
    work = Path(tempfile.mkdtemp(prefix="regenlab-task-")) / place.shard.label
    if ExperimentDir.holds_experiment(target):
        shutil.copytree(target, work)  # a retried task: go on from what reached the bucket
    else:
        write_experiment_dir(experiment_file, work, shard=place.shard)
    finished = -1

    def sync_when_a_trial_ends(progress: ExperimentProgress) -> None:
        nonlocal finished
        count = progress.done + len(progress.failed)
        if count != finished:
            finished = count
            _sync(work, target)

    progress = run_experiment(
        work, max_concurrency=max_concurrency, on_progress=sync_when_a_trial_ends
    )
    _sync(work, target)
    return progress


def _sync(source: Path, target: Path) -> None:
    """Copy the experiment's files and its ended trials over their copy in the runs folder.

    A trial still running is left out: its SQLite checkpoint may be mid-write, and a torn copy
    would break the retry that reads it back. A retried task reruns such a trial from its start.
    """
    from experiments import RunDir

    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.is_file():
            shutil.copy2(path, target / path.name)
        elif RunDir(path).has(RunDir.RESULTS):
            shutil.copytree(path, target / path.name, dirs_exist_ok=True)
