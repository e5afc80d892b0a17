"""results.jsonl: one line per finished trial and arm, appended under a file lock, never twice."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from pathlib import Path
from typing import Any

from experiments._results import TrialResult, usage_by_role
from experiments._spec import TrialJob


class ResultsLog:
    """results.jsonl: appended under a file lock, one line per finished (trial, arm), no repeats."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._present: set[tuple[str, str]] = set()
        """(trial key, arm) of the whole lines in the file's first `_read_to` bytes."""
        self._read_to = 0
        self._inode = -1

    def rows(self) -> list[dict[str, Any]]:
        """Every whole line written so far; a line torn by a killed process is skipped."""
        if not self.path.exists():
            return []
        return _parsed(self.path.read_text(encoding="utf-8").splitlines())

    def keys(self) -> set[tuple[str, str]]:
        """(trial key, arm) of every line written so far."""
        return {(row["key"], row["arm"]) for row in self.rows()}

    def append(self, job: TrialJob, result: TrialResult) -> int:
        """Add the lines of a completed trial that are not there yet; returns how many."""
        with self._lock, self.path.open("ab+") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)
            present = self._present_in(stream)
            rows = [_row(job, result, arm) for arm in result.arms if (job.key, arm) not in present]
            if rows:
                # A torn last line must not swallow the first new row.
                text = ("\n" if _ends_torn(stream) else "") + "".join(
                    json.dumps(row) + "\n" for row in rows
                )
                stream.write(text.encode("utf-8"))
                stream.flush()
            return len(rows)

    def _present_in(self, stream: Any) -> set[tuple[str, str]]:
        """(trial key, arm) of every whole line of the locked `stream`, reading only what was
        added since the last look: re-reading the whole log for every trial made an
        experiment's appends quadratic in its size."""
        size, inode = stream.seek(0, os.SEEK_END), os.fstat(stream.fileno()).st_ino
        if size < self._read_to or inode != self._inode:  # cut or replaced since: start over
            self._present, self._read_to, self._inode = set(), 0, inode
        stream.seek(self._read_to)
        added = stream.read()
        whole = added[: added.rfind(b"\n") + 1]  # a torn last line is read once it is ended
        self._read_to += len(whole)
        rows = _parsed(whole.decode("utf-8", errors="replace").splitlines())
        self._present |= {(row["key"], row["arm"]) for row in rows}
        return self._present


def _parsed(lines: list[str]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # torn: its trial has no complete row, so it is run again
        if isinstance(row, dict) and "key" in row and "arm" in row:
            found.append(row)
    return found


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
