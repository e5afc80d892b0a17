"""The library function behind `experiment analyze`: folders and a task in, AnalysisResult out."""

from __future__ import annotations

from pathlib import Path

from analysis import AnalysisResult, analyze
from experiments._errors import ExperimentsError
from experiments._tasks import find_task


def analyze_folders(
    original: Path,
    regenerated: Path,
    *,
    task: str | None = None,
    journal: Path | None = None,
    tasks_dir: Path | None = None,
) -> AnalysisResult:
    """Compare two folders; with a task, run its hidden tests on both; measure a journal."""
    for path in (original, regenerated):
        if not path.is_dir():
            raise ExperimentsError(f"{path}: not a folder; fix: give two codebase folders")
    hidden = find_task(task, tasks_dir=tasks_dir).hidden_tests if task is not None else None
    text = None
    if journal is not None:
        if not journal.is_file():
            raise ExperimentsError(f"{journal}: no such file; fix: give --journal PATH/journal.md")
        text = journal.read_text(encoding="utf-8", errors="replace")
    return analyze(original, regenerated, hidden_tests=hidden, journal=text)
