"""Experiments at scale: experiment.yaml, its matrix of trials, concurrency, budget, resume, retry.

An experiment directory holds experiment.yaml (the resolved spec), one run directory per trial
(named by the trial's key, so a resumed experiment finds its trials again), results.jsonl (one
line per finished trial and arm, append-only, never duplicated) and usage.json (totals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.models import Usage
from experiments._executors import Executor, check_executor, executor_for, import_lazy_modules
from experiments._results import TrialResult, usage_by_role
from experiments._results_log import ResultsLog
from experiments._rundir import ExperimentDir, RunDir
from experiments._shard import shard_items
from experiments._spec import TrialJob, expand, load_experiment, save_budget

ProgressHandler = Callable[["ExperimentProgress"], None]


@dataclass
class ExperimentProgress:
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


def run_experiment(
    experiment_dir: Path,
    *,
    max_concurrency: int = 4,
    max_cost: float | None = None,
    retry_failed: bool = False,
    executor: str = "local",
    on_progress: ProgressHandler | None = None,
) -> ExperimentProgress:
    """Run (or continue) every trial of an experiment directory that has not finished.

    `max_cost`, when given, replaces the experiment's budget and is saved in its experiment.yaml,
    so that a later resume keeps it.
    """
    check_executor(executor)
    folder = ExperimentDir(experiment_dir)
    spec = load_experiment(folder.spec)
    if max_cost is not None and max_cost != spec.max_cost:
        spec = save_budget(experiment_dir, max_cost)
    jobs = _in_own_dirs(experiment_dir, shard_items(expand(spec, experiment_dir), spec.shard))
    log = ResultsLog(folder.results_log)
    progress, pending = _survey(experiment_dir, jobs, log, retry_failed)
    _notify(progress, on_progress)
    settings = _Settings(max(1, max_concurrency), spec.max_cost, executor)
    _Session(experiment_dir, log, progress, settings, on_progress).run(pending)
    _write_usage(experiment_dir, jobs)
    _write_status(experiment_dir, progress)
    return progress


def _survey(
    experiment_dir: Path, jobs: list[TrialJob], log: ResultsLog, retry_failed: bool
) -> tuple[ExperimentProgress, list[TrialJob]]:
    """Where the trials stand: finished ones are skipped; failed ones rerun only on retry."""
    finished = {key for key, _ in log.keys()}
    progress = ExperimentProgress(total=len(jobs))
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
    record = ExperimentDir(experiment_dir).trial(old_key).read_record_or_none()
    if record is None:
        return False
    saved = (record.config.builder_model, record.config.regenerator_model)
    return saved == (job.config.builder_model, job.config.regenerator_model)


def _write_status(experiment_dir: Path, progress: ExperimentProgress) -> None:
    """status.json: where the experiment stands, and why it stopped early if it did."""
    status = {
        "total": progress.total,
        "finished": progress.done + progress.skipped,
        "failed": progress.failed,
        "errors": progress.errors,
        "stopped": progress.stopped,
        "updated_at": datetime.now(UTC).isoformat(),
    }
    ExperimentDir(experiment_dir).write_status(status)


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
    progress: ExperimentProgress
    settings: _Settings
    on_progress: ProgressHandler | None
    running: dict[Any, TrialJob] = field(default_factory=dict)

    def run(self, pending: list[TrialJob]) -> None:
        queue = list(pending)
        import_lazy_modules()
        executor = executor_for(self.settings.executor, self.settings.max_concurrency)
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

    def _start(self, executor: Executor, queue: list[TrialJob]) -> None:
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
    job: TrialJob,
    outcome: TrialResult | BaseException,
    log: ResultsLog,
    progress: ExperimentProgress,
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


def _over_budget(progress: ExperimentProgress, budget: float | None) -> bool:
    cost = progress.usage.cost_usd
    return budget is not None and cost is not None and cost >= budget


def _read_result(run_dir: Path) -> TrialResult | None:
    return RunDir(run_dir).read_results_or_none()


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
    ExperimentDir(experiment_dir).write_usage(roles)


def _notify(progress: ExperimentProgress, handler: ProgressHandler | None) -> None:
    if handler is not None:
        handler(progress)
