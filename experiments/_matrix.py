"""Experiments at scale: experiment.yaml, its matrix of trials, concurrency, budget, resume, retry.

An experiment directory holds experiment.yaml (the resolved spec), one run directory per trial
(named by the trial's key, so a resumed experiment finds its trials again), results.jsonl (one
line per finished trial and arm, append-only, never duplicated) and usage.json (totals).
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents import ARMS, Arm
from agents.models import Usage
from experiments._config import DEFAULT_ARMS, DEFAULT_MODEL, RunConfig
from experiments._errors import ExperimentsError
from experiments._results import TrialResult, usage_by_role
from experiments._shard import Shard, shard_items
from experiments._tasks import TASK_FILE
from experiments._yaml import load_model

EXPERIMENT_FILE = "experiment.yaml"
RESULTS_FILE = "results.jsonl"
ProgressHandler = Callable[["MatrixProgress"], None]


class ModelPair(BaseModel):
    """The models of one matrix cell."""

    model_config = ConfigDict(extra="forbid")

    builder: str
    regenerator: str


def _default_models() -> list[str | ModelPair]:
    return [DEFAULT_MODEL]


class ExperimentSpec(BaseModel):
    """The contents of an experiment.yaml."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="experiment", pattern=r"^[A-Za-z0-9_.-]+$")
    """Used in the experiment directory's name."""
    tasks: list[str] = Field(min_length=1)
    """Task folders, task.yaml files or globs, relative to the experiment.yaml."""
    models: list[str | ModelPair] = Field(default_factory=lambda: _default_models())
    """provider/model (both roles) or {builder, regenerator} pairs."""
    arms: list[Arm] = Field(default_factory=lambda: list(DEFAULT_ARMS))
    journal_styles: list[str] = Field(default_factory=lambda: ["structured"])
    code_policies: list[str] = Field(default_factory=lambda: ["none"])
    """none, any, or snippets:N (snippets of at most N lines)."""
    trials: int = Field(default=1, gt=0)
    seed: int = 0
    max_turns: int | None = Field(default=None, gt=0)
    max_cost_per_trial: float | None = Field(default=None, gt=0)
    """Cost limit of each trial, in USD (the regenerators share what the build left)."""
    max_cost: float | None = Field(default=None, gt=0)
    """Cost limit for the whole experiment: no new trial starts once it is reached."""
    sandbox: Literal["auto", "bwrap", "local", "docker"] = "auto"
    base_url: str | None = None
    cache: bool = True
    """Answer repeated requests of hosted models from the response cache."""
    shard: Shard | None = None
    """Run only this slice of the matrix (set by `experiment cloud task` on each worker)."""

    @field_validator("code_policies")
    @classmethod
    def _policies(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"none|any|snippets(:\d+)?", value):
                raise ValueError(f"{value!r} is not none, any or snippets:N")
        return values


@dataclass(frozen=True)
class TrialJob:
    """One trial of the matrix."""

    key: str
    """Stable name of the trial: its run directory's name."""
    config: RunConfig
    task_id: str
    trial: int


def is_experiment_file(path: Path) -> bool:
    """Whether a YAML file is an experiment.yaml (it has `tasks:`) rather than a task.yaml."""
    if path.is_dir() or path.suffix not in (".yaml", ".yml"):
        return False
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "tasks" in data and "prompt" not in data


def load_experiment(path: Path) -> ExperimentSpec:
    """Read and validate an experiment.yaml; errors name the file, the field and the fix."""
    return load_model(path, ExperimentSpec, ExperimentsError, {"arms": ", ".join(ARMS)})


def task_files(spec: ExperimentSpec, base: Path) -> list[Path]:
    found: list[Path] = []
    for pattern in spec.tasks:
        matches = sorted(glob.glob(str(base / pattern))) or [str(base / pattern)]
        for match in matches:
            path = Path(match)
            task_file = path / TASK_FILE if path.is_dir() else path
            if not task_file.is_file():
                raise ExperimentsError(
                    f"{base / EXPERIMENT_FILE}: field 'tasks': {pattern!r} "
                    "matches no task folder; fix: give a folder with task.yaml"
                )
            found.append(task_file.resolve())
    return list(dict.fromkeys(found))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[:40]


def _policy(text: str) -> dict[str, Any]:
    name, _, lines = text.partition(":")
    return {"name": name, "max_lines": int(lines)} if lines else {"name": name}


def expand(spec: ExperimentSpec, base: Path) -> list[TrialJob]:
    """The matrix: tasks x models x journal styles x code policies x trials (arms in each)."""
    from experiments._tasks import load_task

    jobs = []
    for task_file in task_files(spec, base):
        task_id = load_task(task_file).id
        for models in spec.models:
            pair = (
                models
                if isinstance(models, ModelPair)
                else ModelPair(builder=models, regenerator=models)
            )
            for style in spec.journal_styles:
                for policy in spec.code_policies:
                    for trial in range(spec.trials):
                        config = RunConfig(
                            task=task_file,
                            builder_model=pair.builder,
                            regenerator_model=pair.regenerator,
                            arms=spec.arms,
                            journal_style=style,
                            code_policy=_policy(policy),
                            base_url=spec.base_url,
                            sandbox=spec.sandbox,
                            max_turns=spec.max_turns,
                            max_cost_usd=spec.max_cost_per_trial,
                            seed=spec.seed + trial,
                            cache=spec.cache,
                        )
                        key = "--".join(
                            [
                                task_id,
                                _slug(pair.builder),
                                _slug(pair.regenerator),
                                style,
                                _slug(policy),
                                f"trial{trial + 1}",
                            ]
                        )
                        jobs.append(TrialJob(key, config, task_id, trial + 1))
    return jobs


@dataclass
class MatrixProgress:
    """Where an experiment stands; handed to the progress display after every change."""

    total: int
    done: int = 0
    skipped: int = 0
    running: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage.zero)
    started: float = field(default_factory=lambda: datetime.now(UTC).timestamp())
    stopped: str | None = None
    """Why no new trial was started, if the experiment stopped early (e.g. the budget)."""
    errors: dict[str, str] = field(default_factory=dict)
    """Trials that raised instead of returning a result, with the exception."""

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace of the trials finished in this session."""
        finished = self.done + len(self.failed)
        if finished == 0:
            return None
        elapsed = datetime.now(UTC).timestamp() - self.started
        left = self.total - self.skipped - finished
        return elapsed / finished * left


class ResultsLog:
    """results.jsonl: appended under a file lock, one line per finished (trial, arm), no repeats."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def keys(self) -> set[tuple[str, str]]:
        """(trial key, arm) of every line written so far."""
        if not self.path.exists():
            return set()
        found = set()
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line from a killed process; its trial is rerun
            found.add((row["key"], row["arm"]))
        return found

    def append(self, job: TrialJob, result: TrialResult) -> int:
        """Add the lines of a completed trial that are not there yet; returns how many."""
        with self._lock, self.path.open("a+", encoding="utf-8") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)
            present = self.keys()
            rows = [_row(job, result, arm) for arm in result.arms if (job.key, arm) not in present]
            stream.write("".join(json.dumps(row) + "\n" for row in rows))
            stream.flush()
            return len(rows)


def _row(job: TrialJob, result: TrialResult, arm: str) -> dict[str, Any]:
    usage = usage_by_role(result)
    return {
        "key": job.key,
        "arm": arm,
        "task": result.task,
        "trial": job.trial,
        "run_dir": result.run_dir,
        "builder_model": result.models["builder"],
        "regenerator_model": result.models["regenerator"],
        "journal_style": result.journal_style,
        "code_policy": result.code_policy,
        "original_pass_rate": result.pass_rates.get("original"),
        "regenerated_pass_rate": result.pass_rates.get(arm),
        "fidelity": result.fidelity.get(arm),
        **result.headlines.get(arm, {}),
        "cost_usd": usage["total"].cost_usd,
        "retries": usage["total"].retries,
    }


def new_experiment_dir(spec_path: Path, out: Path, *, cache: bool | None = None) -> Path:
    """runs/<timestamp>-<name>/ with the spec copied in, task paths made absolute."""
    spec = load_experiment(spec_path)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = out / f"{stamp}-{spec.name}"
    write_experiment_dir(spec_path, folder, cache=cache)
    return folder


def write_experiment_dir(
    spec_path: Path, folder: Path, *, cache: bool | None = None, shard: Shard | None = None
) -> ExperimentSpec:
    """Make `folder` an experiment directory: the spec copied in, task paths made absolute."""
    spec = load_experiment(spec_path)
    update: dict[str, Any] = {"shard": shard} if shard is not None else {}
    if cache is not None:
        update["cache"] = cache
    spec = spec.model_copy(update=update)
    tasks = [str(p) for p in task_files(spec, spec_path.parent)]
    folder.mkdir(parents=True)
    data = spec.model_dump(mode="json", exclude_none=True) | {"tasks": tasks}
    (folder / EXPERIMENT_FILE).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return spec


def run_matrix(
    experiment_dir: Path,
    *,
    max_concurrency: int = 4,
    max_cost: float | None = None,
    retry_failed: bool = False,
    executor: str = "local",
    on_progress: ProgressHandler | None = None,
) -> MatrixProgress:
    """Run (or continue) every trial of an experiment directory that has not finished."""
    spec = load_experiment(experiment_dir / EXPERIMENT_FILE)
    jobs = shard_items(expand(spec, experiment_dir), spec.shard)
    log = ResultsLog(experiment_dir / RESULTS_FILE)
    finished = {key for key, _ in log.keys()}
    budget = max_cost if max_cost is not None else spec.max_cost
    progress = MatrixProgress(total=len(jobs))
    pending = []
    for job in jobs:
        if job.key in finished and _complete(experiment_dir / job.key):
            progress.skipped += 1
            progress.usage = progress.usage + _trial_usage(experiment_dir / job.key)
        elif retry_failed or not _failed(experiment_dir / job.key):
            pending.append(job)
        else:
            progress.failed.append(job.key)
    _notify(progress, on_progress)
    settings = _Settings(max(1, max_concurrency), budget, executor)
    _run_pending(experiment_dir, pending, log, progress, settings, on_progress)
    _write_usage(experiment_dir, jobs)
    _write_status(experiment_dir, progress)
    return progress


def _write_status(experiment_dir: Path, progress: MatrixProgress) -> None:
    """status.json: where the experiment stands, and why it stopped early if it did."""
    status = {
        "total": progress.total,
        "finished": progress.done + progress.skipped,
        "failed": progress.failed,
        "errors": progress.errors,
        "stopped": progress.stopped,
        "updated_at": datetime.now(UTC).isoformat(),
    }
    (experiment_dir / "status.json").write_text(json.dumps(status, indent=2), encoding="utf-8")


class _Executor(Protocol):
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


def _import_lazy_modules() -> None:
    """Import what trials import lazily, once, before trials start in several threads: two
    threads importing the same package for the first time can see it half-initialised."""
    import git  # noqa: F401
    import langgraph.checkpoint.sqlite
    import langgraph.graph
    import langgraph.types  # noqa: F401

    import experiments._rundir
    import experiments._runner
    import experiments.reports  # noqa: F401


def _executor(name: str, workers: int) -> _Executor:
    if name == "ray":
        try:
            return _RayExecutor()
        except ImportError as exc:
            raise ExperimentsError("--executor ray needs Ray: pip install 'regenlab[ray]'") from exc
    if name != "local":
        raise ExperimentsError(f"--executor: unknown executor {name!r}; use local or ray")
    return _ThreadExecutor(workers)


def _run_pending(
    experiment_dir: Path,
    pending: list[TrialJob],
    log: ResultsLog,
    progress: MatrixProgress,
    settings: _Settings,
    on_progress: ProgressHandler | None,
) -> None:
    queue = list(pending)
    _import_lazy_modules()
    executor = _executor(settings.executor, settings.max_concurrency)
    running: dict[Any, TrialJob] = {}
    try:
        while queue or running:
            while queue and len(running) < settings.max_concurrency and progress.stopped is None:
                if _over_budget(progress, settings.budget):
                    progress.stopped = (
                        f"the experiment's budget of ${settings.budget:.2f} was reached"
                    )
                    break
                job = queue.pop(0)
                progress.running.add(job.key)
                running[executor.submit(job, experiment_dir / job.key)] = job
                _notify(progress, on_progress)
            if not running:
                break
            for handle, outcome in executor.wait_any(list(running)):
                _finish(running.pop(handle), outcome, log, progress)
                _notify(progress, on_progress)
    finally:
        executor.close()


@dataclass(frozen=True)
class _Settings:
    max_concurrency: int
    budget: float | None
    executor: str


def _finish(
    job: TrialJob, outcome: TrialResult | BaseException, log: ResultsLog, progress: MatrixProgress
) -> None:
    progress.running.discard(job.key)
    if isinstance(outcome, BaseException):
        progress.failed.append(job.key)
        progress.errors[job.key] = f"{type(outcome).__name__}: {outcome}"
        return
    progress.usage = progress.usage + usage_by_role(outcome)["total"]
    if outcome.status == "completed":
        log.append(job, outcome)
        progress.done += 1
    else:
        progress.failed.append(job.key)


def _over_budget(progress: MatrixProgress, budget: float | None) -> bool:
    cost = progress.usage.cost_usd
    return budget is not None and cost is not None and cost >= budget


def _read_result(run_dir: Path) -> TrialResult | None:
    path = run_dir / "results.json"
    if not path.is_file():
        return None
    try:
        return TrialResult.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def _complete(run_dir: Path) -> bool:
    result = _read_result(run_dir)
    return result is not None and result.status == "completed"


def _failed(run_dir: Path) -> bool:
    result = _read_result(run_dir)
    return result is not None and result.status == "error"


def _trial_usage(run_dir: Path) -> Usage:
    result = _read_result(run_dir)
    return usage_by_role(result)["total"] if result else Usage.zero()


def _write_usage(experiment_dir: Path, jobs: list[TrialJob]) -> None:
    """usage.json of the experiment: per role over all finished trials, and in total."""
    roles: dict[str, Usage] = {}
    for job in jobs:
        result = _read_result(experiment_dir / job.key)
        if result is None:
            continue
        for role, usage in usage_by_role(result).items():
            name = role.split(":")[0] if role != "total" else role
            roles[name] = roles.get(name, Usage.zero()) + usage
    data = {role: usage.model_dump(mode="json") for role, usage in roles.items()}
    (experiment_dir / "usage.json").write_text(json.dumps(data, indent=2), encoding="utf-8")


def _notify(progress: MatrixProgress, handler: ProgressHandler | None) -> None:
    if handler is not None:
        handler(progress)
