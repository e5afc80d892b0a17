"""The experiment: task format, workflow, runner, run directories and the `experiment` CLI.

Names are imported on first use, so that `experiment --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from experiments._errors import ExperimentsError, TaskFormatError
    from experiments._tasks import (
        Limits,
        LoadedTask,
        Task,
        TaskListing,
        TestsConfig,
        default_tasks_dir,
        find_task,
        list_tasks,
        load_task,
    )

_EXPORTS = {
    "ExperimentsError": "experiments._errors",
    "TaskFormatError": "experiments._errors",
    "Limits": "experiments._tasks",
    "LoadedTask": "experiments._tasks",
    "Task": "experiments._tasks",
    "TaskListing": "experiments._tasks",
    "TestsConfig": "experiments._tasks",
    "default_tasks_dir": "experiments._tasks",
    "find_task": "experiments._tasks",
    "list_tasks": "experiments._tasks",
    "load_task": "experiments._tasks",
}

__all__ = [
    "ExperimentsError",
    "Limits",
    "LoadedTask",
    "Task",
    "TaskFormatError",
    "TaskListing",
    "TestsConfig",
    "default_tasks_dir",
    "find_task",
    "list_tasks",
    "load_task",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'experiments' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
