"""The journal-and-regenerate experiment: tasks, trials, experiments, their directories and reports.

A *trial* is one builder run plus one regenerator run per arm, analysed (`run_trials` runs a
task's trials, `resume_trial` continues one); an *experiment* is a matrix of trials from an
experiment.yaml (`new_experiment_dir`, then `run_experiment`; `retry_failed=True` reruns the
failed ones). The `experiment` command line is a thin layer over these names.

Names are imported on first use, so that `experiment --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from experiments._analysis import analyze_folders
    from experiments._check import TaskCheck, check_tasks
    from experiments._config import DEFAULT_MODEL, RunConfig
    from experiments._errors import ExperimentsError, TaskFormatError
    from experiments._events import (
        AgentStarted,
        Comparing,
        EventHandler,
        JournalSealed,
        ProgressEvent,
        ResultsWritten,
        TestsFinished,
        TestsStarted,
        TrialStarted,
    )
    from experiments._executors import EXECUTORS, check_executor
    from experiments._matrix import ExperimentProgress, run_experiment
    from experiments._results import TrialResult, TrialStatus, fidelity
    from experiments._rundir import ExperimentDir, RunDir, RunRecord
    from experiments._runner import load_task_arg, resume_trial, run_trial, run_trials
    from experiments._shard import Shard, shard_items
    from experiments._spec import (
        ExperimentSpec,
        ModelPair,
        TrialJob,
        expand,
        is_experiment_file,
        load_experiment,
        new_experiment_dir,
        task_files,
        write_experiment_dir,
    )
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
    from experiments._workflow import ModelNeverAnswered
    from experiments.reports import (
        PostRejected,
        draft_post,
        experiment_report,
        trial_report,
        write_experiment_report,
        write_post,
        write_reports,
        write_trial_report,
    )

_EXPORTS = {
    "analyze_folders": "experiments._analysis",
    "TaskCheck": "experiments._check",
    "check_tasks": "experiments._check",
    "DEFAULT_MODEL": "experiments._config",
    "RunConfig": "experiments._config",
    "ExperimentsError": "experiments._errors",
    "TaskFormatError": "experiments._errors",
    "AgentStarted": "experiments._events",
    "Comparing": "experiments._events",
    "EventHandler": "experiments._events",
    "JournalSealed": "experiments._events",
    "ProgressEvent": "experiments._events",
    "ResultsWritten": "experiments._events",
    "TestsFinished": "experiments._events",
    "TestsStarted": "experiments._events",
    "TrialStarted": "experiments._events",
    "EXECUTORS": "experiments._executors",
    "check_executor": "experiments._executors",
    "ExperimentProgress": "experiments._matrix",
    "run_experiment": "experiments._matrix",
    "TrialResult": "experiments._results",
    "TrialStatus": "experiments._results",
    "fidelity": "experiments._results",
    "ExperimentDir": "experiments._rundir",
    "RunDir": "experiments._rundir",
    "RunRecord": "experiments._rundir",
    "load_task_arg": "experiments._runner",
    "resume_trial": "experiments._runner",
    "run_trial": "experiments._runner",
    "run_trials": "experiments._runner",
    "Shard": "experiments._shard",
    "shard_items": "experiments._shard",
    "ExperimentSpec": "experiments._spec",
    "ModelPair": "experiments._spec",
    "TrialJob": "experiments._spec",
    "expand": "experiments._spec",
    "is_experiment_file": "experiments._spec",
    "load_experiment": "experiments._spec",
    "new_experiment_dir": "experiments._spec",
    "task_files": "experiments._spec",
    "write_experiment_dir": "experiments._spec",
    "Limits": "experiments._tasks",
    "LoadedTask": "experiments._tasks",
    "Task": "experiments._tasks",
    "TaskListing": "experiments._tasks",
    "TestsConfig": "experiments._tasks",
    "default_tasks_dir": "experiments._tasks",
    "find_task": "experiments._tasks",
    "list_tasks": "experiments._tasks",
    "load_task": "experiments._tasks",
    "ModelNeverAnswered": "experiments._workflow",
    "PostRejected": "experiments.reports",
    "draft_post": "experiments.reports",
    "experiment_report": "experiments.reports",
    "trial_report": "experiments.reports",
    "write_experiment_report": "experiments.reports",
    "write_post": "experiments.reports",
    "write_reports": "experiments.reports",
    "write_trial_report": "experiments.reports",
}

__all__ = [
    "DEFAULT_MODEL",
    "EXECUTORS",
    "AgentStarted",
    "Comparing",
    "EventHandler",
    "ExperimentDir",
    "ExperimentProgress",
    "ExperimentSpec",
    "ExperimentsError",
    "JournalSealed",
    "Limits",
    "LoadedTask",
    "ModelNeverAnswered",
    "ModelPair",
    "PostRejected",
    "ProgressEvent",
    "ResultsWritten",
    "RunConfig",
    "RunDir",
    "RunRecord",
    "Shard",
    "Task",
    "TaskCheck",
    "TaskFormatError",
    "TaskListing",
    "TestsConfig",
    "TestsFinished",
    "TestsStarted",
    "TrialJob",
    "TrialResult",
    "TrialStarted",
    "TrialStatus",
    "analyze_folders",
    "check_executor",
    "check_tasks",
    "default_tasks_dir",
    "draft_post",
    "expand",
    "experiment_report",
    "fidelity",
    "find_task",
    "is_experiment_file",
    "list_tasks",
    "load_experiment",
    "load_task",
    "load_task_arg",
    "new_experiment_dir",
    "resume_trial",
    "run_experiment",
    "run_trial",
    "run_trials",
    "shard_items",
    "task_files",
    "trial_report",
    "write_experiment_dir",
    "write_experiment_report",
    "write_post",
    "write_reports",
    "write_trial_report",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'experiments' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
