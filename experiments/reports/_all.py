"""`experiment report PATH`: every report a run directory or a folder of runs can have."""

from __future__ import annotations

from pathlib import Path

from experiments._rundir import RunDir
from experiments.reports._summary_files import write_experiment_report
from experiments.reports._summary_runs import find_runs
from experiments.reports._trial import write_trial_report


def write_reports(path: Path) -> list[Path]:
    """A trial's report.html/.md for each run under `path` (or `path` itself) with results,
    and, for a folder of runs, summary.html/.md with its plots. Returns the files written.

    Raises ExperimentsError when `path` holds no run, when a single run has no results.json,
    or when a folder of runs has no completed trial (checked before anything is written).
    """
    runs = find_runs(path)
    if runs == [path]:
        return list(write_trial_report(path))
    summary = write_experiment_report(path)
    written: list[Path] = []
    for run in runs:
        if RunDir(run).has(RunDir.RESULTS):
            written += list(write_trial_report(run))
    return written + [p for p in summary if isinstance(p, Path)]
