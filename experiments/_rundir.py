"""The owner of run directories and experiment directories: every file name, defined once, and the
typed reads and writes of what they hold (README, "Run directory").

A run directory is one trial: run.yaml in, then the codebases, the journal, the transcripts,
analysis.json, results.json and usage.json out. An experiment directory holds experiment.yaml,
one run directory per trial, results.jsonl, status.json and usage.json.
"""

from __future__ import annotations

import json
import os
import platform
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from agents import JOURNAL_FILE, JOURNAL_MARKDOWN
from agents.models import Usage
from analysis import AnalysisResult
from experiments._config import RunConfig
from experiments._errors import ExperimentsError
from experiments._results import TrialResult, usage_by_role
from usererrors import read_yaml

_PACKAGES = ("regenlab", "langgraph", "langchain-core", "pydantic", "llama-cpp-python", "radon")
_ANALYSES = TypeAdapter(dict[str, AnalysisResult])
_USAGE = TypeAdapter(dict[str, Usage])


class RunRecord(BaseModel):
    """run.yaml: what a trial is, written before its first step."""

    run_id: str
    """The run directory's name."""
    task: str
    """Task id."""
    created: datetime
    """When the run directory was made (UTC)."""
    config: RunConfig
    """The full resolved configuration: a resume runs with exactly this."""
    sandbox: str = "unknown"
    """The sandbox backend the run uses."""
    versions: dict[str, str] = Field(default_factory=dict)
    """Versions of Python, the platform and the packages that shape a result."""


def versions() -> dict[str, str]:
    """Versions of Python, the platform and the packages that shape a result."""
    return dict(_versions())


@cache
def _versions() -> dict[str, str]:
    # Read once per process: each lookup parses a package's METADATA file (~1 ms apiece), and
    # the installed versions do not change while trials run.
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


@dataclass(frozen=True)
class RunDir:
    """One trial's run directory."""

    path: Path

    RUN = "run.yaml"
    RESULTS = "results.json"
    USAGE = "usage.json"
    ANALYSIS = "analysis.json"
    CHECKPOINT = "checkpoint.sqlite"
    REPORT_HTML = "report.html"
    REPORT_MD = "report.md"
    ORIGINAL = "original"
    REGENERATED = "regenerated"
    TRANSCRIPTS = "transcripts"
    JOURNAL = JOURNAL_FILE
    JOURNAL_MD = JOURNAL_MARKDOWN

    @classmethod
    def new(cls, out: Path, task_id: str) -> RunDir:
        """runs/<timestamp>-<task>-<shortid>/, created."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        path = out / f"{stamp}-{task_id}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return cls(path)

    @staticmethod
    def holds_run(folder: Path, files: list[str] | None = None) -> bool:
        """Whether `folder` (whose file names are `files`, if listed already) is a run dir."""
        names = files if files is not None else os.listdir(folder)
        return RunDir.RUN in names or RunDir.RESULTS in names

    @property
    def name(self) -> str:
        """The run id."""
        return self.path.name

    def file(self, name: str) -> Path:
        """A file of the run directory, by one of the names above."""
        return self.path / name

    @property
    def original(self) -> Path:
        """The builder's codebase."""
        return self.path / self.ORIGINAL

    def regenerated(self, arm: str) -> Path:
        """The codebase one arm's regenerator built."""
        return self.path / self.REGENERATED / arm

    def transcript(self, name: str) -> Path:
        """transcripts/<name>.jsonl (its folder made)."""
        folder = self.path / self.TRANSCRIPTS
        folder.mkdir(exist_ok=True)
        return folder / f"{name}.jsonl"

    def has(self, name: str) -> bool:
        """Whether the file `name` exists."""
        return (self.path / name).is_file()

    # run.yaml

    def write_record(self, config: RunConfig, task_id: str, backend: str) -> RunRecord:
        """run.yaml: the full resolved configuration, versions and the sandbox backend."""
        record = RunRecord(
            run_id=self.name,
            task=task_id,
            created=datetime.now(UTC),
            config=config,
            sandbox=backend,
            versions=versions(),
        )
        text = yaml.safe_dump(record.model_dump(mode="json"), sort_keys=False)
        self.file(self.RUN).write_text(text, encoding="utf-8")
        return record

    def read_record(self) -> RunRecord:
        """run.yaml of an existing run, or a one-line error saying what is wrong with it."""
        path = self.file(self.RUN)
        if not path.is_file():
            raise ExperimentsError(
                f"{path}: not found; fix: give a run directory made by `experiment run`"
            )
        data = read_yaml(path, ExperimentsError)
        if not isinstance(data, dict) or "config" not in data:
            raise ExperimentsError(f"{path}: field 'config' is missing; fix: rerun the experiment")
        try:
            return RunRecord.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise ExperimentsError(
                f"{path}: field '{field}': {first['msg']}; fix: rerun the experiment"
            ) from exc

    def read_record_or_none(self) -> RunRecord | None:
        """run.yaml, or None when it is missing or unreadable (for reports, which list why)."""
        try:
            return self.read_record()
        except ExperimentsError:
            return None

    # analysis.json

    def write_analysis(self, analyses: dict[str, AnalysisResult]) -> None:
        """analysis.json: per arm, the full comparison with the original."""
        data = {arm: result.model_dump(mode="json") for arm, result in analyses.items()}
        self.file(self.ANALYSIS).write_text(json.dumps(data, indent=2), encoding="utf-8")

    def read_analysis(self) -> dict[str, AnalysisResult]:
        """analysis.json (empty before the analysis); raises ValidationError when corrupt."""
        path = self.file(self.ANALYSIS)
        if not path.is_file():
            return {}
        return _ANALYSES.validate_json(path.read_text(encoding="utf-8"))

    # results.json and usage.json

    def write_results(self, result: TrialResult) -> None:
        """results.json and usage.json of a trial."""
        self.file(self.RESULTS).write_text(result.model_dump_json(indent=2), encoding="utf-8")
        usage = {role: u.model_dump(mode="json") for role, u in usage_by_role(result).items()}
        self.file(self.USAGE).write_text(json.dumps(usage, indent=2), encoding="utf-8")

    def read_results(self) -> TrialResult:
        """results.json; raises ValidationError (or OSError) when it cannot be read."""
        return TrialResult.model_validate_json(self.file(self.RESULTS).read_text(encoding="utf-8"))

    def read_results_or_none(self) -> TrialResult | None:
        """results.json, or None when it is missing or unreadable."""
        try:
            return self.read_results()
        except (OSError, ValueError):
            return None

    def read_usage(self) -> dict[str, Usage]:
        """usage.json; raises ValidationError (or OSError) when it cannot be read."""
        return _USAGE.validate_json(self.file(self.USAGE).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ExperimentDir:
    """An experiment directory: the spec, one run directory per trial, and the totals."""

    path: Path

    SPEC = "experiment.yaml"
    RESULTS_LOG = "results.jsonl"
    STATUS = "status.json"
    USAGE = "usage.json"

    @staticmethod
    def holds_experiment(folder: Path) -> bool:
        """Whether `folder` is an experiment directory."""
        return (folder / ExperimentDir.SPEC).is_file()

    @property
    def spec(self) -> Path:
        """experiment.yaml: the resolved spec."""
        return self.path / self.SPEC

    @property
    def results_log(self) -> Path:
        """results.jsonl: one line per finished trial and arm."""
        return self.path / self.RESULTS_LOG

    @property
    def status(self) -> Path:
        """status.json: trials finished and failed, why it stopped early."""
        return self.path / self.STATUS

    def trial(self, key: str) -> RunDir:
        """The run directory of the trial `key`."""
        return RunDir(self.path / key)

    def write_status(self, status: dict[str, Any]) -> None:
        """status.json."""
        self.status.write_text(json.dumps(status, indent=2), encoding="utf-8")

    def recorded_error(self, key: str) -> str | None:
        """The error status.json records for the trial `key`, if any."""
        try:
            status = json.loads(self.status.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        errors = status.get("errors") if isinstance(status, dict) else None
        error = errors.get(key) if isinstance(errors, dict) else None
        return error if isinstance(error, str) else None

    def write_usage(self, usage: dict[str, Usage]) -> None:
        """usage.json: per role over all finished trials, and in total."""
        data = {role: u.model_dump(mode="json") for role, u in usage.items()}
        (self.path / self.USAGE).write_text(json.dumps(data, indent=2), encoding="utf-8")
