"""One Cloud Run Job task: run this task's shard of an experiment and copy it to the bucket.

Cloud Run starts CLOUD_RUN_TASK_COUNT copies of the runner image and tells each its
CLOUD_RUN_TASK_INDEX. Each runs its shard (experiments._shard) in a local experiment directory
and copies it into the runs folder, which on Cloud Run is the bucket mounted through Cloud
Storage FUSE. Trials run on local disk because FUSE supports neither the file locks of
results.jsonl nor SQLite's checkpoints; the copy is made after every finished trial, so a task
that is killed and retried (same execution, same index) resumes from what reached the bucket.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from infra._errors import InfraError

if TYPE_CHECKING:
    from experiments._matrix import MatrixProgress
    from experiments._shard import Shard

RUNS_DIR_ENV = "REGENLAB_RUNS_DIR"


@dataclass(frozen=True)
class TaskPlace:
    """Where one task stands in its job execution, read from Cloud Run's environment."""

    shard: Shard
    execution: str
    """The execution's name: every task of one execution writes under the same folder."""


def task_place(env: Mapping[str, str] | None = None) -> TaskPlace:
    """Read CLOUD_RUN_TASK_INDEX / _COUNT / CLOUD_RUN_EXECUTION; outside Cloud Run, shard 1 of 1."""
    from experiments._shard import Shard

    env = os.environ if env is None else env
    index = _integer(env, "CLOUD_RUN_TASK_INDEX", "0")
    count = _integer(env, "CLOUD_RUN_TASK_COUNT", "1")
    if count < 1 or not 0 <= index < count:
        raise InfraError(
            f"CLOUD_RUN_TASK_INDEX={index} with CLOUD_RUN_TASK_COUNT={count}: the index must be "
            "in 0..count-1; fix: let Cloud Run set both, or set them so"
        )
    execution = env.get("CLOUD_RUN_EXECUTION") or "local-" + datetime.now(UTC).strftime(
        "%Y%m%d-%H%M%S"
    )
    return TaskPlace(Shard(index=index, count=count), execution)


def _integer(env: Mapping[str, str], name: str, default: str) -> int:
    value = env.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise InfraError(f"{name}={value!r} is not an integer; fix: let Cloud Run set it") from None


def run_task(
    experiment_file: Path, runs_dir: Path, place: TaskPlace, *, max_concurrency: int = 4
) -> MatrixProgress:
    """Run this task's shard into runs_dir/<execution>/<shard>/, resuming what is already there."""
    from experiments._matrix import EXPERIMENT_FILE, run_matrix, write_experiment_dir

    if not experiment_file.is_file():
        raise InfraError(
            f"{experiment_file}: not found; fix: upload it with `experiment cloud run`"
        )
    target = runs_dir / place.execution / place.shard.label
    work = Path(tempfile.mkdtemp(prefix="regenlab-task-")) / place.shard.label
    if (target / EXPERIMENT_FILE).is_file():
        shutil.copytree(target, work)  # a retried task: go on from what reached the bucket
    else:
        write_experiment_dir(experiment_file, work, shard=place.shard)
    finished = -1

    def sync_when_a_trial_ends(progress: MatrixProgress) -> None:
        nonlocal finished
        count = progress.done + len(progress.failed)
        if count != finished:
            finished = count
            _sync(work, target)

    progress = run_matrix(work, max_concurrency=max_concurrency, on_progress=sync_when_a_trial_ends)
    _sync(work, target)
    return progress


def _sync(source: Path, target: Path) -> None:
    """Copy the experiment's files and its ended trials over their copy in the runs folder.

    A trial still running is left out: its SQLite checkpoint may be mid-write, and a torn copy
    would break the retry that reads it back. A retried task reruns such a trial from its start.
    """
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.is_file():
            shutil.copy2(path, target / path.name)
        elif (path / "results.json").is_file():
            shutil.copytree(path, target / path.name, dirs_exist_ok=True)
