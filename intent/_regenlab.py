"""Regenlab's own runs as a prompt log: each trial's builder journal is the "prompt" a
regenerator works from, the task prompt its context, and the outcome whether the regenerator
(journal arm) lost hidden tests the original passed. Read only through experiments' and
agents' public names (ExperimentDir, RunDir, TrialResult, Journal).

The question it answers: what do builders leave out of journals that regenerators then get
wrong?
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from intent._errors import LogError
from intent._log import LogSample, LogSummary, PromptRecord
from usererrors import RegenlabError

JOURNAL_ARM = "journal"
LOST = "lost_tests"
"""Outcome: the journal arm's regenerated code failed hidden tests the original passed."""
KEPT = "kept"
"""Outcome: it lost none."""


def is_regenlab_dir(path: Path) -> bool:
    """Whether `path` is an experiment directory or a trial's run directory."""
    from experiments import ExperimentDir, RunDir

    return path.is_dir() and (ExperimentDir.holds_experiment(path) or RunDir.holds_run(path))


def _run_dirs(path: Path) -> Iterator[Path]:
    from experiments import RunDir

    if RunDir.holds_run(path):
        yield path
        return
    for child in sorted(path.iterdir()):
        if child.is_dir() and RunDir.holds_run(child):
            yield child


def _journal_text(folder: Path) -> str | None:
    from agents import JOURNAL_FILE, Journal

    if not (folder / JOURNAL_FILE).is_file():
        return None
    try:
        journal = Journal.load(folder)
    except (OSError, ValueError):
        return None
    return "\n".join(f"[{entry.kind}] {entry.text.strip()}" for entry in journal.entries) or None


def _task_prompt(folder: Path) -> tuple[str | None, str | None]:
    """The task id and prompt from run.yaml (None when the task cannot be found any more)."""
    from experiments import RunDir, find_task

    record = RunDir(folder).read_record_or_none()
    if record is None:
        return None, None
    try:
        return record.task, find_task(str(record.config.task)).spec.prompt
    except RegenlabError:
        return record.task, None


def _outcome(folder: Path) -> tuple[str | None, list[str]]:
    """lost_tests or kept for the journal arm, and the tests it lost."""
    from experiments import RunDir

    result = RunDir(folder).read_results_or_none()
    if result is None or JOURNAL_ARM not in result.tests or "original" not in result.tests:
        return None, []
    passed = {t.nodeid for t in result.tests["original"].outcomes if t.outcome == "passed"}
    regenerated = {t.nodeid for t in result.tests[JOURNAL_ARM].outcomes if t.outcome == "passed"}
    lost = sorted(passed - regenerated)
    return (LOST if lost else KEPT), lost


def read_regenlab(path: Path, *, sample: int) -> LogSample:
    """One record per trial that has a journal: journal as text, task prompt as context."""
    records: list[PromptRecord] = []
    summary = LogSummary(path=str(path))
    for number, folder in enumerate(_run_dirs(path), start=1):
        text = _journal_text(folder)
        if text is None:
            summary.skipped_empty += 1
            continue
        task, prompt = _task_prompt(folder)
        outcome, lost = _outcome(folder)
        summary.rows += 1
        key = outcome or "none"
        summary.outcomes[key] = summary.outcomes.get(key, 0) + 1
        records.append(
            PromptRecord(
                id=folder.name,
                line=number,
                text=text,
                conversation_id=task,
                outcome=outcome,
                context=prompt,
                labels={"lost_tests": lost} if lost else {},
            )
        )
    if not records:
        raise LogError(
            f"{path}: no trial here has a journal (journal.jsonl); fix: give an experiment "
            "or run directory made by `experiment run`"
        )
    summary.sampled = min(len(records), sample)
    return LogSample(records[:sample], summary)
