"""`experiment report PATH`: every report a run directory or a folder of runs can have."""

from __future__ import annotations

from pathlib import Path

from experiments._errors import ExperimentsError
from experiments.reports._summary import run_dirs, write_experiment_report
from experiments.reports._trial import write_trial_report


def write_reports(path: Path) -> list[Path]:
    """A trial's report.html/.md for each completed run under `path` (or `path` itself), and,
    for a folder of runs, summary.html/.md with its plots. Returns the files written."""
    if not path.is_dir():
        raise ExperimentsError(f"{path}: not a folder; fix: give a run directory or runs/")
    written: list[Path] = []
    runs = [path] if (path / "results.json").is_file() else run_dirs(path)
    if not runs:
        raise ExperimentsError(f"{path}: no run directory found; fix: run `experiment run` first")
    for run in runs:
        if (run / "results.json").is_file():
            written += list(write_trial_report(run))
    if runs != [path]:
        written += [p for p in write_experiment_report(path) if isinstance(p, Path)]
    return written
