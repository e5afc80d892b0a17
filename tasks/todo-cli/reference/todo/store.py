"""Storage of to-do tasks in a versioned JSON file."""

from __future__ import annotations

import datetime
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TASK_KEYS = frozenset({"id", "title", "done", "tags", "due"})


class StoreError(Exception):
    """The database file is unreadable, malformed or of an unsupported version."""


@dataclass
class Task:
    """One to-do item."""

    id: int
    title: str
    done: bool = False
    tags: list[str] = field(default_factory=list)
    due: datetime.date | None = None


def parse_date(text: str) -> datetime.date:
    """Parse a strict ``YYYY-MM-DD`` date; raise ValueError otherwise."""
    if not isinstance(text, str) or not _DATE_RE.fullmatch(text):
        raise ValueError(f"invalid date {text!r}: expected YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"invalid date {text!r}: no such day") from None


def clean_title(title: str) -> str:
    """The title without surrounding whitespace; ValueError if that leaves nothing."""
    stripped = title.strip() if isinstance(title, str) else ""
    if not stripped:
        raise ValueError("the title must not be empty")
    return stripped


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Validated tags with repeats removed, in first-seen order."""
    result: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag or any(ch.isspace() for ch in tag):
            raise ValueError(f"invalid tag {tag!r}: tags are non-empty and have no whitespace")
        if tag not in result:
            result.append(tag)
    return result


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _task_from_json(raw: Any) -> Task:
    """Build a Task from its JSON object; ValueError if any field is missing or wrong."""
    if not isinstance(raw, dict) or not _TASK_KEYS <= raw.keys():
        raise ValueError(f"a task must be an object with the keys {sorted(_TASK_KEYS)}")
    task_id, title, done, tags, due = (raw[key] for key in ("id", "title", "done", "tags", "due"))
    if not _is_int(task_id) or task_id < 1:
        raise ValueError(f"bad task id {task_id!r}")
    if not isinstance(title, str) or not isinstance(done, bool):
        raise ValueError(f"task {task_id}: bad title or done flag")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError(f"task {task_id}: tags must be a list of strings")
    if due is not None and not isinstance(due, str):
        raise ValueError(f"task {task_id}: due must be a date string or null")
    return Task(task_id, title, done, list(tags), None if due is None else parse_date(due))


def _task_to_json(task: Task) -> dict[str, Any]:
    due = task.due.isoformat() if task.due else None
    return {"id": task.id, "title": task.title, "done": task.done, "tags": task.tags, "due": due}


class TodoStore:
    """The tasks of one database file, loaded in memory; `save()` writes them back."""

    def __init__(self, path: str | os.PathLike[str], tasks: Iterable[Task] = (), next_id: int = 1):
        self.path = Path(path)
        self._tasks = {task.id: task for task in tasks}
        self._next_id = max(next_id, *(task_id + 1 for task_id in self._tasks), 1)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TodoStore:
        """Read the database at `path`; a missing file gives an empty store."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError(f"{path}: cannot read the database: {exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreError(f"{path}: not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise StoreError(f"{path}: the database must be a JSON object")
        version = data.get("version")
        if not _is_int(version) or version != FORMAT_VERSION:
            raise StoreError(f"{path}: unsupported or missing database version {version!r}")
        next_id, raw_tasks = data.get("next_id"), data.get("tasks")
        if not _is_int(next_id) or next_id < 1 or not isinstance(raw_tasks, list):
            raise StoreError(f"{path}: 'next_id' or 'tasks' is missing or malformed")
        try:
            tasks = [_task_from_json(raw) for raw in raw_tasks]
        except ValueError as exc:
            raise StoreError(f"{path}: {exc}") from exc
        if len({task.id for task in tasks}) != len(tasks):
            raise StoreError(f"{path}: duplicate task ids")
        return cls(path, tasks, next_id)

    def tasks(self) -> list[Task]:
        """All tasks, sorted by id."""
        return [self._tasks[task_id] for task_id in sorted(self._tasks)]

    def add(self, title: str, tags: Iterable[str] = (), due: datetime.date | None = None) -> Task:
        """Add an open task with the next id and return it."""
        task = Task(self._next_id, clean_title(title), tags=clean_tags(tags), due=due)
        self._tasks[task.id] = task
        self._next_id += 1
        return task

    def get(self, task_id: int) -> Task:
        """The task with this id; KeyError if there is none."""
        if task_id not in self._tasks:
            raise KeyError(task_id)
        return self._tasks[task_id]

    def remove(self, task_id: int) -> Task:
        """Remove the task with this id and return it; KeyError if there is none."""
        task = self.get(task_id)
        del self._tasks[task_id]
        return task

    def save(self) -> None:
        """Write the database atomically (through a temporary file in the same folder)."""
        data = {
            "version": FORMAT_VERSION,
            "next_id": self._next_id,
            "tasks": [_task_to_json(task) for task in self.tasks()],
        }
        folder = self.path.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
                handle.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
