"""Collecting the runs of a summary: every run directory under a folder, its result, or why it
has none (the experiment's record, or what its files show)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from analysis import TOKENIZER
from experiments._config import RunConfig
from experiments._errors import ExperimentsError
from experiments._results import TrialResult
from experiments._rundir import ExperimentDir, RunDir


class SummaryRun(BaseModel):
    """What run.yaml (and the results) say about how a completed run was made."""

    run_id: str
    run_dir: str
    task: str
    config: RunConfig | None
    """The resolved configuration; None when run.yaml is missing or unreadable."""
    sandbox: str
    """Sandbox backend, or "unknown"."""
    versions: dict[str, str] = Field(default_factory=dict)
    tokenizer: str = TOKENIZER
    weaknesses: list[str] = Field(default_factory=list)
    """Sandbox guarantees the backend lacked while running the hidden tests."""


class NotCompleted(BaseModel):
    """A run left out of the numbers."""

    run_id: str
    run_dir: str
    status: str
    """error, interrupted, unreadable, "not started" (failed before its first step) or
    "no results" (killed before writing results.json)."""
    error: str | None = None
    """The reason, as recorded by the run or its experiment, with the fix where one is known."""


def run_dirs(root: Path) -> list[Path]:
    """Run directories under `root` (itself included), without searching inside them."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        if RunDir.holds_run(Path(folder), files):
            found.append(Path(folder))
            dirs.clear()
        else:
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    return sorted(found, key=lambda p: (p.name, str(p)))


def find_runs(path: Path) -> list[Path]:
    """The run directories under `path` (itself included); an ExperimentsError with the fix
    when `path` is not a folder or holds none (the check of `experiment report` and `post`)."""
    if not path.is_dir():
        raise ExperimentsError(f"{path}: not a folder; fix: give a run directory or runs/")
    runs = run_dirs(path)
    if not runs:
        raise ExperimentsError(f"{path}: no run directory found; fix: run `experiment run` first")
    return runs


def _load_result(run_dir: Path) -> TrialResult | NotCompleted:
    run = RunDir(run_dir)
    if not run.has(RunDir.RESULTS):
        return _no_results(run_dir)
    try:
        result = run.read_results()
    except (OSError, ValidationError) as exc:
        return _not_completed(
            run_dir, "unreadable", f"unreadable results.json: {str(exc).splitlines()[0]}"
        )
    if result.status != "completed":
        return NotCompleted(
            run_id=result.run_id, run_dir=str(run_dir), status=result.status, error=result.error
        )
    return result


def _no_results(run_dir: Path) -> NotCompleted:
    """Why a run has no results.json: the experiment's record, else what its files show."""
    recorded = _recorded_error(run_dir)
    if recorded is not None:
        return _not_completed(run_dir, "error", recorded)
    if not (run_dir / RunDir.CHECKPOINT).exists():
        return _not_completed(
            run_dir,
            "not started",
            "failed before its first step and recorded no reason (e.g. an unknown model or a "
            "missing API key, printed by `experiment run`); fix the cause and run it again",
        )
    error = "no results.json: stopped before the end; continue it with `experiment resume`"
    return _not_completed(run_dir, "no results", error)


def _recorded_error(run_dir: Path) -> str | None:
    """The error an experiment recorded for this trial (a trial that raised writes none)."""
    return ExperimentDir(run_dir.parent).recorded_error(run_dir.name)


def _not_completed(run_dir: Path, status: str, error: str) -> NotCompleted:
    return NotCompleted(run_id=run_dir.name, run_dir=str(run_dir), status=status, error=error)


def _run_record(run_dir: Path, result: TrialResult) -> SummaryRun:
    record = RunDir(run_dir).read_record_or_none()
    weaknesses = {w for tests in result.tests.values() for w in tests.weaknesses}
    return SummaryRun(
        run_id=result.run_id,
        run_dir=str(run_dir),
        task=result.task,
        config=record.config if record else None,
        sandbox=record.sandbox if record else "unknown",
        versions=record.versions if record else {},
        tokenizer=_tokenizer(run_dir),
        weaknesses=sorted(weaknesses),
    )


def _tokenizer(run_dir: Path) -> str:
    """The tokenizer named in analysis.json (the analysis names it in every result)."""
    try:
        analyses = RunDir(run_dir).read_analysis()
    except (OSError, ValueError):
        return TOKENIZER
    for result in analyses.values():
        if result.journal is not None:
            return result.journal.tokenizer
    return TOKENIZER
