"""experiment.yaml: the spec of an experiment, checked whole before anything runs, and its matrix
of trials (tasks x models x journal styles x code policies x trials, arms in each), each with a
stable key that names its run directory."""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agents import ARMS, AgentsError, Arm, journal_styles
from agents.models import parse_model_string
from experiments._config import DEFAULT_ARMS, DEFAULT_MODEL, RunConfig
from experiments._errors import ExperimentsError
from experiments._rundir import ExperimentDir
from experiments._shard import Shard
from experiments._tasks import TASK_FILE
from usererrors import describe, excerpt, load_model, read_yaml

EXPERIMENT_FILE = ExperimentDir.SPEC
SLUG_LIMIT = 40
"""Longest slug of a model or policy in a trial key; a longer one is cut and gets a hash."""


class ModelPair(BaseModel):
    """The models of one matrix cell."""

    model_config = ConfigDict(extra="forbid")

    builder: str
    regenerator: str


def _default_models() -> list[str | ModelPair]:
    return [DEFAULT_MODEL]


class ExperimentSpec(BaseModel):
    """The contents of an experiment.yaml."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="experiment", pattern=r"^[A-Za-z0-9_.-]+$")
    """Used in the experiment directory's name."""
    tasks: list[str] = Field(min_length=1)
    """Task folders, task.yaml files or globs, relative to the experiment.yaml."""
    models: list[str | ModelPair] = Field(default_factory=lambda: _default_models())
    """provider/model (both roles) or {builder, regenerator} pairs."""
    arms: list[Arm] = Field(default_factory=lambda: list(DEFAULT_ARMS))
    journal_styles: list[str] = Field(default_factory=lambda: ["structured"])
    code_policies: list[str] = Field(default_factory=lambda: ["none"])
    """none, any, or snippets:N (snippets of at most N lines)."""
    trials: int = Field(default=1, gt=0)
    seed: int = 0
    max_turns: int | None = Field(default=None, gt=0)
    max_cost_per_trial: float | None = Field(default=None, gt=0)
    """Cost limit of each trial, in USD (the regenerators share what the build left)."""
    max_cost: float | None = Field(default=None, gt=0)
    """Cost limit for the whole experiment: no new trial starts once it is reached, and each
    new trial may spend only its share of what is left (`--max-cost` replaces it and is saved)."""
    sandbox: Literal["auto", "bwrap", "local", "docker"] = "auto"
    base_url: str | None = None
    cache: bool = True
    """Answer repeated requests of hosted models from the response cache."""
    shard: Shard | None = None
    """Run only this slice of the matrix (set by `experiment cloud task` on each worker)."""

    @field_validator("code_policies")
    @classmethod
    def _policies(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"none|any|snippets(:[1-9]\d*)?", value):
                raise ValueError(
                    f"{excerpt(value)} is not none, any or snippets:N with N of at least 1"
                )
        return values

    @field_validator("journal_styles")
    @classmethod
    def _styles(cls, values: list[str]) -> list[str]:
        known = journal_styles()
        for value in values:
            if value not in known:
                raise ValueError(f"unknown journal style {excerpt(value)}; use one of {known}")
        return values


@dataclass(frozen=True)
class TrialJob:
    """One trial of the matrix."""

    key: str
    """Stable name of the trial: its run directory's name."""
    config: RunConfig
    task_id: str
    trial: int
    old_key: str | None = None
    """The key this trial had before long names got a hash, where that differs."""


def is_experiment_file(path: Path) -> bool:
    """Whether a YAML file is an experiment.yaml (it has `tasks:`) rather than a task.yaml."""
    if path.is_dir() or path.suffix not in (".yaml", ".yml"):
        return False
    try:
        data = read_yaml(path, ExperimentsError)
    except ExperimentsError:
        return False  # read as a task file, whose loader names what is wrong with it
    return isinstance(data, dict) and "tasks" in data and "prompt" not in data


def load_experiment(path: Path) -> ExperimentSpec:
    """Read and validate an experiment.yaml; errors name the file, the field and the fix."""
    spec = load_model(path, ExperimentSpec, ExperimentsError, {"arms": ", ".join(ARMS)})
    for index, entry in enumerate(spec.models):
        for role, model in _roles(entry):
            problem = _model_problem(model)
            if problem is not None:
                where = f"models.{index}" + (f".{role}" if isinstance(entry, ModelPair) else "")
                raise ExperimentsError(f"{path}: field '{where}': {problem}")
    return spec


def _roles(entry: str | ModelPair) -> list[tuple[str, str]]:
    pair = _pair(entry)
    return [("builder", pair.builder), ("regenerator", pair.regenerator)]


def _pair(entry: str | ModelPair) -> ModelPair:
    return entry if isinstance(entry, ModelPair) else ModelPair(builder=entry, regenerator=entry)


def _model_problem(model: str) -> str | None:
    """What is wrong with a model string, checked before any trial runs (None if nothing)."""
    try:
        ref = parse_model_string(model)
    except AgentsError as exc:
        return f"{exc}; fix: use provider/model (see `experiment models list`)"
    script = Path(ref.name)
    if ref.provider == "mock" and script.suffix in (".yaml", ".yml", ".json"):
        if not script.is_file():
            return (
                f"mock script {ref.name!r} not found; fix: give an existing script "
                "(a relative path is read from the current folder)"
            )
    return None


def task_files(spec: ExperimentSpec, base: Path) -> list[Path]:
    """The task.yaml files the spec's task paths and globs name, each once."""
    found: list[Path] = []
    for pattern in spec.tasks:
        matches = sorted(glob.glob(str(base / pattern))) or [str(base / pattern)]
        for match in matches:
            path = Path(match)
            task_file = path / TASK_FILE if path.is_dir() else path
            if not task_file.is_file():
                raise ExperimentsError(
                    f"{base / EXPERIMENT_FILE}: field 'tasks': {pattern!r} "
                    "matches no task folder; fix: give a folder with task.yaml"
                )
            found.append(task_file.resolve())
    return list(dict.fromkeys(found))


def _slug(text: str) -> str:
    """`text` as a folder-name part: readable, and unique however long.

    A slug over SLUG_LIMIT keeps its end (where model names differ) and gets a hash of the whole
    text. Shorter slugs keep the form they always had, so older experiment dirs still resume.
    """
    slug = _old_slug(text, limit=None)
    if len(slug) <= SLUG_LIMIT:
        return slug
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    tail = slug[-(SLUG_LIMIT - 9) :]
    if slug[-len(tail) - 1] != "-" and "-" in tail:
        tail = tail.split("-", 1)[1]  # start at a whole word
    return f"{tail.lstrip('-.')}-{digest}"


def _old_slug(text: str, limit: int | None = SLUG_LIMIT) -> str:
    """The slug of keys made before long ones got a hash: cut, so long names could collide."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[:limit]


def _policy(text: str) -> dict[str, Any]:
    name, _, lines = text.partition(":")
    return {"name": name, "max_lines": int(lines)} if lines else {"name": name}


@dataclass(frozen=True)
class _Cell:
    """One combination of the matrix, before it is repeated `trials` times."""

    task_file: Path
    task_id: str
    pair: ModelPair
    style: str
    policy: str

    def key(self, trial: int, slug: Callable[[str], str] = _slug) -> str:
        parts = [self.pair.builder, self.pair.regenerator]
        models = [slug(p) for p in parts]
        return "--".join([self.task_id, *models, self.style, slug(self.policy), f"trial{trial}"])


def expand(spec: ExperimentSpec, base: Path) -> list[TrialJob]:
    """The matrix: tasks x models x journal styles x code policies x trials (arms in each).

    Raises when two trials would share a run directory (a repeated entry in the spec).
    """
    from experiments._tasks import load_task

    jobs = []
    for task_file in task_files(spec, base):
        task_id = load_task(task_file).id
        for models in spec.models:
            for style in spec.journal_styles:
                for policy in spec.code_policies:
                    cell = _Cell(task_file, task_id, _pair(models), style, policy)
                    jobs += [_job(spec, cell, trial) for trial in range(1, spec.trials + 1)]
    _check_unique(jobs, base)
    return jobs


def _job(spec: ExperimentSpec, cell: _Cell, trial: int) -> TrialJob:
    try:
        config = _cell_config(spec, cell, trial)
    except ValidationError as exc:
        raise ExperimentsError(describe(f"{cell.task_file} in the experiment", exc)) from exc
    key, old = cell.key(trial), cell.key(trial, _old_slug)
    return TrialJob(key, config, cell.task_id, trial, old if old != key else None)


def _cell_config(spec: ExperimentSpec, cell: _Cell, trial: int) -> RunConfig:
    return RunConfig(
        task=cell.task_file,
        builder_model=cell.pair.builder,
        regenerator_model=cell.pair.regenerator,
        arms=spec.arms,
        journal_style=cell.style,
        code_policy=_policy(cell.policy),
        base_url=spec.base_url,
        sandbox=spec.sandbox,
        max_turns=spec.max_turns,
        max_cost_usd=spec.max_cost_per_trial,
        seed=spec.seed + trial - 1,
        cache=spec.cache,
    )


def _check_unique(jobs: list[TrialJob], base: Path) -> None:
    seen: set[str] = set()
    for job in jobs:
        if job.key in seen:
            raise ExperimentsError(
                f"{base / EXPERIMENT_FILE}: two trials would share the run directory {job.key!r} "
                "(a repeated entry in models, journal_styles or code_policies, or two tasks with "
                "one id); fix: remove the repeat"
            )
        seen.add(job.key)


def new_experiment_dir(
    spec_path: Path, out: Path, *, cache: bool | None = None, max_cost: float | None = None
) -> Path:
    """runs/<timestamp>-<name>/ with the spec copied in, task paths made absolute.

    `cache` and `max_cost` (the experiment's budget), when given, replace the spec's and are
    saved with it, so that a resume keeps them.
    """
    spec = load_experiment(spec_path)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = out / f"{stamp}-{spec.name}"
    write_experiment_dir(spec_path, folder, cache=cache, max_cost=max_cost)
    return folder


def write_experiment_dir(
    spec_path: Path,
    folder: Path,
    *,
    cache: bool | None = None,
    shard: Shard | None = None,
    max_cost: float | None = None,
) -> ExperimentSpec:
    """Make `folder` an experiment directory: the spec copied in, task paths made absolute."""
    spec = load_experiment(spec_path)
    update: dict[str, Any] = {"shard": shard} if shard is not None else {}
    if cache is not None:
        update["cache"] = cache
    if max_cost is not None:
        update["max_cost"] = _budget(max_cost)
    spec = spec.model_copy(update=update)
    tasks = [str(p) for p in task_files(spec, spec_path.parent)]
    # Every trial's configuration is checked before the folder exists: a bad cell leaves nothing.
    expand(spec, spec_path.parent)
    folder.mkdir(parents=True)
    data = spec.model_dump(mode="json", exclude_none=True) | {"tasks": tasks}
    (folder / EXPERIMENT_FILE).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return spec


def _budget(max_cost: float) -> float:
    if max_cost <= 0:
        raise ExperimentsError(
            f"--max-cost: {max_cost} is not above 0; fix: give the budget in USD, e.g. 5"
        )
    return max_cost


def save_budget(experiment_dir: Path, max_cost: float) -> ExperimentSpec:
    """Write a new experiment budget into the experiment dir's experiment.yaml."""
    path = experiment_dir / EXPERIMENT_FILE
    data = read_yaml(path, ExperimentsError)
    data["max_cost"] = _budget(max_cost)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_experiment(path)
