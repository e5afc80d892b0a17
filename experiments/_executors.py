"""Where an experiment's trials run: threads in this process, or tasks on a Ray cluster."""

from __future__ import annotations

import importlib.util
import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Protocol

from experiments._config import RunConfig
from experiments._errors import ExperimentsError
from experiments._results import TrialResult
from experiments._spec import TrialJob

EXECUTORS = ("local", "ray")


def check_executor(name: str) -> None:
    """Raise a one-line error unless `name` is an executor that can run here."""
    if name not in EXECUTORS:
        raise ExperimentsError(
            f"--executor: unknown executor {name!r}; fix: use {' or '.join(EXECUTORS)}"
        )
    if name == "ray" and importlib.util.find_spec("ray") is None:
        raise ExperimentsError("--executor ray needs Ray: pip install 'regenlab[ray]'")


class Executor(Protocol):
    """Where trials run: threads in this process, or tasks on a Ray cluster."""

    def submit(self, job: TrialJob, run_dir: Path) -> Any: ...

    def wait_any(self, handles: list[Any]) -> list[tuple[Any, TrialResult | BaseException]]: ...

    def close(self) -> None: ...


class _ThreadExecutor:
    def __init__(self, workers: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers)

    def submit(self, job: TrialJob, run_dir: Path) -> Future[TrialResult]:
        from experiments._runner import run_trial

        return self.pool.submit(run_trial, job.config, run_dir)

    def wait_any(self, handles: list[Any]) -> list[tuple[Any, TrialResult | BaseException]]:
        done, _ = wait(handles, return_when=FIRST_COMPLETED)
        return [(f, f.exception() or f.result()) for f in done]

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def remote_trial(config_json: str, run_dir: str) -> str:
    """A trial run on a Ray worker: the same run directory layout, the result as JSON."""
    from experiments._runner import run_trial

    config = RunConfig.model_validate_json(config_json)
    return run_trial(config, Path(run_dir)).model_dump_json()


class _RayExecutor:
    """Trials as Ray tasks on the cluster at $RAY_ADDRESS, or on a local head without one.

    Run directories are written by the workers, so on a real cluster `--out` must be a folder
    every node sees (a shared or mounted filesystem).
    """

    def __init__(self) -> None:
        import ray

        if not ray.is_initialized():
            ray.init(
                address=os.environ.get("RAY_ADDRESS") or None,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        self.ray = ray
        self.task = ray.remote(remote_trial)

    def submit(self, job: TrialJob, run_dir: Path) -> Any:
        return self.task.remote(job.config.model_dump_json(), str(run_dir))

    def wait_any(self, handles: list[Any]) -> list[tuple[Any, TrialResult | BaseException]]:
        ready, _ = self.ray.wait(handles, num_returns=1)
        finished: list[tuple[Any, TrialResult | BaseException]] = []
        for ref in ready:
            try:
                finished.append((ref, TrialResult.model_validate_json(self.ray.get(ref))))
            except Exception as exc:  # a task that failed on its worker
                finished.append((ref, exc))
        return finished

    def close(self) -> None:
        return None


def import_lazy_modules() -> None:
    """Import what trials import lazily, once, before trials start in several threads: two
    threads importing the same package for the first time can see it half-initialised."""
    import git  # noqa: F401
    import langgraph.checkpoint.sqlite
    import langgraph.graph
    import langgraph.types  # noqa: F401

    import experiments._rundir
    import experiments._runner
    import experiments._workflow
    import experiments.reports  # noqa: F401


def executor_for(name: str, workers: int) -> Executor:
    check_executor(name)
    return _RayExecutor() if name == "ray" else _ThreadExecutor(workers)
