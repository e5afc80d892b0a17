"""Experiments at scale: experiment.yaml, its matrix of trials, concurrency, budget, resume, retry.

An experiment directory holds experiment.yaml (the resolved spec), one run directory per trial
(named by the trial's key, so a resumed experiment finds its trials again), results.jsonl (one
line per finished trial and arm, append-only, never duplicated) and usage.json (totals).
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import importlib.util
import json
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agents import ARMS, AgentsError, Arm, journal_styles
from agents.models import Usage, parse_model_string
from experiments._config import DEFAULT_ARMS, DEFAULT_MODEL, RunConfig
from experiments._errors import ExperimentsError
from experiments._results import TrialResult, usage_by_role
from experiments._shard import Shard, shard_items
from experiments._tasks import TASK_FILE
from usererrors import describe, excerpt, load_model, read_yaml

EXPERIMENT_FILE = "experiment.yaml"
RESULTS_FILE = "results.jsonl"
STATUS_FILE = "status.json"
"""An experiment directory's status, with the error of each trial that failed."""
EXECUTORS = ("local", "ray")
SLUG_LIMIT = 40
"""Longest slug of a model or policy in a trial key; a longer one is cut and gets a hash."""
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
    """Cost limit for the whole experiment: no new trial starts once it is reached, and each
    new trial may spend only its share of what is left (`--max-cost` replaces it and is saved)."""
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
            if not re.fullmatch(r"none|any|snippets(:[1-9]\d*)?", value):
                raise ValueError(
                    f"{excerpt(value)} is not none, any or snippets:N with N of at least 1"
                )
        return values

    @field_validator("journal_styles")
    @classmethod
    def _styles(cls, values: list[str]) -> list[str]:
        known = journal_styles()
        for value in values:
            if value not in known:
                raise ValueError(f"unknown journal style {excerpt(value)}; use one of {known}")
        return values


@dataclass(frozen=True)
class TrialJob:
    """One trial of the matrix."""

    key: str
    """Stable name of the trial: its run directory's name."""
    config: RunConfig
    task_id: str
    trial: int
    old_key: str | None = None
    """The key this trial had before long names got a hash, where that differs."""


def is_experiment_file(path: Path) -> bool:
    """Whether a YAML file is an experiment.yaml (it has `tasks:`) rather than a task.yaml."""
    if path.is_dir() or path.suffix not in (".yaml", ".yml"):
        return False
    try:
        data = read_yaml(path, ExperimentsError)
    except ExperimentsError:
        return False  # read as a task file, whose loader names what is wrong with it
    return isinstance(data, dict) and "tasks" in data and "prompt" not in data


def load_experiment(path: Path) -> ExperimentSpec:
    """Read and validate an experiment.yaml; errors name the file, the field and the fix."""
    spec = load_model(path, ExperimentSpec, ExperimentsError, {"arms": ", ".join(ARMS)})
    for index, entry in enumerate(spec.models):
        for role, model in _roles(entry):
            problem = _model_problem(model)
            if problem is not None:
                where = f"models.{index}" + (f".{role}" if isinstance(entry, ModelPair) else "")
                raise ExperimentsError(f"{path}: field '{where}': {problem}")
    return spec


def _roles(entry: str | ModelPair) -> list[tuple[str, str]]:
    pair = _pair(entry)
    return [("builder", pair.builder), ("regenerator", pair.regenerator)]


def _pair(entry: str | ModelPair) -> ModelPair:
    return entry if isinstance(entry, ModelPair) else ModelPair(builder=entry, regenerator=entry)


def _model_problem(model: str) -> str | None:
    """What is wrong with a model string, checked before any trial runs (None if nothing)."""
    try:
        ref = parse_model_string(model)
    except AgentsError as exc:
        return f"{exc}; fix: use provider/model (see `experiment models list`)"
    script = Path(ref.name)
    if ref.provider == "mock" and script.suffix in (".yaml", ".yml", ".json"):
        if not script.is_file():
            return (
                f"mock script {ref.name!r} not found; fix: give an existing script "
                "(a relative path is read from the current folder)"
            )
    return None


def check_executor(name: str) -> None:
    """Raise a one-line error unless `name` is an executor that can run here."""
    if name not in EXECUTORS:
        raise ExperimentsError(
            f"--executor: unknown executor {name!r}; fix: use {' or '.join(EXECUTORS)}"
        )
    if name == "ray" and importlib.util.find_spec("ray") is None:
        raise ExperimentsError("--executor ray needs Ray: pip install 'regenlab[ray]'")


def task_files(spec: ExperimentSpec, base: Path) -> list[Path]:
    """The task.yaml files the spec's task paths and globs name, each once."""
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
    """`text` as a folder-name part: readable, and unique however long.

    A slug over SLUG_LIMIT keeps its end (where model names differ) and gets a hash of the whole
    text. Shorter slugs keep the form they always had, so older experiment dirs still resume.
    """
    slug = _old_slug(text, limit=None)
    if len(slug) <= SLUG_LIMIT:
        return slug
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    tail = slug[-(SLUG_LIMIT - 9) :]
    if slug[-len(tail) - 1] != "-" and "-" in tail:
        tail = tail.split("-", 1)[1]  # start at a whole word
    return f"{tail.lstrip('-.')}-{digest}"


def _old_slug(text: str, limit: int | None = SLUG_LIMIT) -> str:
    """The slug of keys made before long ones got a hash: cut, so long names could collide."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[:limit]


def _policy(text: str) -> dict[str, Any]:
    name, _, lines = text.partition(":")
    return {"name": name, "max_lines": int(lines)} if lines else {"name": name}


@dataclass(frozen=True)
class _Cell:
    """One combination of the matrix, before it is repeated `trials` times."""

    task_file: Path
    task_id: str
    pair: ModelPair
    style: str
    policy: str

    def key(self, trial: int, slug: Callable[[str], str] = _slug) -> str:
        parts = [self.pair.builder, self.pair.regenerator]
        models = [slug(p) for p in parts]
        return "--".join([self.task_id, *models, self.style, slug(self.policy), f"trial{trial}"])


def expand(spec: ExperimentSpec, base: Path) -> list[TrialJob]:
    """The matrix: tasks x models x journal styles x code policies x trials (arms in each).

    Raises when two trials would share a run directory (a repeated entry in the spec).
    """
    from experiments._tasks import load_task

    jobs = []
    for task_file in task_files(spec, base):
        task_id = load_task(task_file).id
        for models in spec.models:
            for style in spec.journal_styles:
                for policy in spec.code_policies:
                    cell = _Cell(task_file, task_id, _pair(models), style, policy)
                    jobs += [_job(spec, cell, trial) for trial in range(1, spec.trials + 1)]
    _check_unique(jobs, base)
    return jobs


def _job(spec: ExperimentSpec, cell: _Cell, trial: int) -> TrialJob:
    try:
        config = _cell_config(spec, cell, trial)
    except ValidationError as exc:
        raise ExperimentsError(describe(f"{cell.task_file} in the experiment", exc)) from exc
    key, old = cell.key(trial), cell.key(trial, _old_slug)
    return TrialJob(key, config, cell.task_id, trial, old if old != key else None)


def _cell_config(spec: ExperimentSpec, cell: _Cell, trial: int) -> RunConfig:
    return RunConfig(
        task=cell.task_file,
        builder_model=cell.pair.builder,
        regenerator_model=cell.pair.regenerator,
        arms=spec.arms,
        journal_style=cell.style,
        code_policy=_policy(cell.policy),
        base_url=spec.base_url,
        sandbox=spec.sandbox,
        max_turns=spec.max_turns,
        max_cost_usd=spec.max_cost_per_trial,
        seed=spec.seed + trial - 1,
        cache=spec.cache,
    )


def _check_unique(jobs: list[TrialJob], base: Path) -> None:
    seen: set[str] = set()
    for job in jobs:
        if job.key in seen:
            raise ExperimentsError(
                f"{base / EXPERIMENT_FILE}: two trials would share the run directory {job.key!r} "
                "(a repeated entry in models, journal_styles or code_policies, or two tasks with "
                "one id); fix: remove the repeat"
            )
        seen.add(job.key)


@dataclass
class MatrixProgress:
    """Where an experiment stands; handed to the progress display after every change."""

    total: int
    done: int = 0
    skipped: int = 0
    running: set[str] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)
    trial_usage: dict[str, Usage] = field(default_factory=dict)
    """Usage of each trial that has a result, as its latest result records it."""
    started: float = field(default_factory=lambda: datetime.now(UTC).timestamp())
    stopped: str | None = None
    """Why no new trial was started, if the experiment stopped early (e.g. the budget)."""
    errors: dict[str, str] = field(default_factory=dict)
    """Why each failed trial failed: its recorded error, or the exception it raised."""

    @property
    def usage(self) -> Usage:
        """What the experiment's trials have used so far, in this session and before it."""
        return sum(self.trial_usage.values(), Usage.zero())

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

    def rows(self) -> list[dict[str, Any]]:
        """Every whole line written so far; a line torn by a killed process is skipped."""
        if not self.path.exists():
            return []
        found = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # torn: its trial has no complete row, so it is run again
            if isinstance(row, dict) and "key" in row and "arm" in row:
                found.append(row)
        return found

    def keys(self) -> set[tuple[str, str]]:
        """(trial key, arm) of every line written so far."""
        return {(row["key"], row["arm"]) for row in self.rows()}

    def append(self, job: TrialJob, result: TrialResult) -> int:
        """Add the lines of a completed trial that are not there yet; returns how many."""
        with self._lock, self.path.open("ab+") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)
            present = self.keys()
            rows = [_row(job, result, arm) for arm in result.arms if (job.key, arm) not in present]
            if rows:
                # A torn last line must not swallow the first new row.
                text = ("\n" if _ends_torn(stream) else "") + "".join(
                    json.dumps(row) + "\n" for row in rows
                )
                stream.write(text.encode("utf-8"))
                stream.flush()
            return len(rows)


def _ends_torn(stream: Any) -> bool:
    """Whether a file opened for binary appending is non-empty and lacks a final newline."""
    size = stream.seek(0, os.SEEK_END)
    if size == 0:
        return False
    stream.seek(size - 1)
    return bool(stream.read(1) != b"\n")


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


def new_experiment_dir(
    spec_path: Path, out: Path, *, cache: bool | None = None, max_cost: float | None = None
) -> Path:
    """runs/<timestamp>-<name>/ with the spec copied in, task paths made absolute.

    `cache` and `max_cost` (the experiment's budget), when given, replace the spec's and are
    saved with it, so that a resume keeps them.
    """
    spec = load_experiment(spec_path)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = out / f"{stamp}-{spec.name}"
    write_experiment_dir(spec_path, folder, cache=cache, max_cost=max_cost)
    return folder


def write_experiment_dir(
    spec_path: Path,
    folder: Path,
    *,
    cache: bool | None = None,
    shard: Shard | None = None,
    max_cost: float | None = None,
) -> ExperimentSpec:
    """Make `folder` an experiment directory: the spec copied in, task paths made absolute."""
    spec = load_experiment(spec_path)
    update: dict[str, Any] = {"shard": shard} if shard is not None else {}
    if cache is not None:
        update["cache"] = cache
    if max_cost is not None:
        update["max_cost"] = _budget(max_cost)
    spec = spec.model_copy(update=update)
    tasks = [str(p) for p in task_files(spec, spec_path.parent)]
    # Every trial's configuration is checked before the folder exists: a bad cell leaves nothing.
    expand(spec, spec_path.parent)
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
    """Run (or continue) every trial of an experiment directory that has not finished.

    `max_cost`, when given, replaces the experiment's budget and is saved in its experiment.yaml,
    so that a later resume keeps it.
    """
    check_executor(executor)
    spec = load_experiment(experiment_dir / EXPERIMENT_FILE)
    if max_cost is not None and max_cost != spec.max_cost:
        spec = _save_budget(experiment_dir, max_cost)
    jobs = _in_own_dirs(experiment_dir, shard_items(expand(spec, experiment_dir), spec.shard))
    log = ResultsLog(experiment_dir / RESULTS_FILE)
    progress, pending = _survey(experiment_dir, jobs, log, retry_failed)
    _notify(progress, on_progress)
    settings = _Settings(max(1, max_concurrency), spec.max_cost, executor)
    _Session(experiment_dir, log, progress, settings, on_progress).run(pending)
    _write_usage(experiment_dir, jobs)
    _write_status(experiment_dir, progress)
    return progress


def _budget(max_cost: float) -> float:
    if max_cost <= 0:
        raise ExperimentsError(
            f"--max-cost: {max_cost} is not above 0; fix: give the budget in USD, e.g. 5"
        )
    return max_cost


def _save_budget(experiment_dir: Path, max_cost: float) -> ExperimentSpec:
    """Write a new experiment budget into the experiment dir's experiment.yaml."""
    path = experiment_dir / EXPERIMENT_FILE
    data = read_yaml(path, ExperimentsError)
    data["max_cost"] = _budget(max_cost)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_experiment(path)


def _survey(
    experiment_dir: Path, jobs: list[TrialJob], log: ResultsLog, retry_failed: bool
) -> tuple[MatrixProgress, list[TrialJob]]:
    """Where the trials stand: finished ones are skipped; failed ones rerun only on retry."""
    finished = {key for key, _ in log.keys()}
    progress = MatrixProgress(total=len(jobs))
    pending = []
    for job in jobs:
        result = _read_result(experiment_dir / job.key)
        if result is not None:  # spent already, whatever its status: it counts for the budget
            progress.trial_usage[job.key] = usage_by_role(result)["total"]
        if result is not None and result.status == "completed" and job.key in finished:
            progress.skipped += 1
        elif retry_failed or result is None or result.status != "error":
            pending.append(job)
        else:
            progress.failed.append(job.key)
            progress.errors[job.key] = result.error or "error"
    return progress, pending


def _in_own_dirs(experiment_dir: Path, jobs: list[TrialJob]) -> list[TrialJob]:
    """Trials started before long names got a hash keep their run directories (and rows)."""
    keys = {job.key for job in jobs}
    return [
        replace(job, key=job.old_key)
        if job.old_key is not None and _started_in(experiment_dir, job, job.old_key, keys)
        else job
        for job in jobs
    ]


def _started_in(experiment_dir: Path, job: TrialJob, old_key: str, keys: set[str]) -> bool:
    if old_key in keys or (experiment_dir / job.key).exists():
        return False
    # Cut names could collide: the directory is this trial's only if its run.yaml says so.
    try:
        run = read_yaml(experiment_dir / old_key / "run.yaml", ExperimentsError)
        saved = (run["config"]["builder_model"], run["config"]["regenerator_model"])
    except (ExperimentsError, KeyError, TypeError):
        return False
    return saved == (job.config.builder_model, job.config.regenerator_model)


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
    (experiment_dir / STATUS_FILE).write_text(json.dumps(status, indent=2), encoding="utf-8")


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
    check_executor(name)
    return _RayExecutor() if name == "ray" else _ThreadExecutor(workers)


@dataclass(frozen=True)
class _Settings:
    max_concurrency: int
    budget: float | None
    executor: str


@dataclass
class _Session:
    """One pass over an experiment's pending trials, at most `max_concurrency` at a time."""

    experiment_dir: Path
    log: ResultsLog
    progress: MatrixProgress
    settings: _Settings
    on_progress: ProgressHandler | None
    running: dict[Any, TrialJob] = field(default_factory=dict)

    def run(self, pending: list[TrialJob]) -> None:
        queue = list(pending)
        _import_lazy_modules()
        executor = _executor(self.settings.executor, self.settings.max_concurrency)
        try:
            while queue or self.running:
                self._start(executor, queue)
                if not self.running:
                    break
                for handle, outcome in executor.wait_any(list(self.running)):
                    _finish(self.running.pop(handle), outcome, self.log, self.progress)
                    _notify(self.progress, self.on_progress)
        finally:
            executor.close()

    def _start(self, executor: _Executor, queue: list[TrialJob]) -> None:
        """Start queued trials while there are free slots and budget."""
        budget, progress = self.settings.budget, self.progress
        while queue and len(self.running) < self.settings.max_concurrency:
            if _over_budget(progress, budget):
                progress.stopped = f"the experiment's budget of ${budget:.2f} was reached"
                return
            share = self._share(len(queue))
            if share is not None and share <= 0:
                return  # the running trials may spend the rest: wait for them to end
            job = _capped(queue.pop(0), share)
            progress.running.add(job.key)
            self.running[executor.submit(job, self.experiment_dir / job.key)] = job
            _notify(progress, self.on_progress)

    def _share(self, queued: int) -> float | None:
        """What a new trial may spend: the budget less what trials spent and what the running
        ones may still spend, shared among the trials that start now (None: no limit)."""
        spent = self.progress.usage.cost_usd
        if self.settings.budget is None or spent is None:
            return None  # no budget, or an unpriced model: nothing to share out
        reserved = sum(job.config.max_cost_usd or 0.0 for job in self.running.values())
        starting = min(self.settings.max_concurrency - len(self.running), queued)
        return (self.settings.budget - spent - reserved) / starting


def _capped(job: TrialJob, share: float | None) -> TrialJob:
    """The job with its trial budget lowered to `share` where that is less."""
    limit = job.config.max_cost_usd
    if share is None or (limit is not None and limit <= share):
        return job
    return replace(job, config=job.config.model_copy(update={"max_cost_usd": share}))


def _finish(
    job: TrialJob, outcome: TrialResult | BaseException, log: ResultsLog, progress: MatrixProgress
) -> None:
    progress.running.discard(job.key)
    if isinstance(outcome, BaseException):
        progress.failed.append(job.key)
        progress.errors[job.key] = f"{type(outcome).__name__}: {outcome}"
        return
    progress.trial_usage[job.key] = usage_by_role(outcome)["total"]
    if outcome.status == "completed":
        log.append(job, outcome)
        progress.done += 1
    else:
        progress.failed.append(job.key)
        progress.errors[job.key] = outcome.error or outcome.status


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
