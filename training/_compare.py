"""`experiment train compare`: every strategy on the same model, data and seed, then the report.

The training itself (train, train_with_failure, gguf_check) is passed in as a `Core`, so tests
drive the whole comparison with fakes in milliseconds; the default Core imports the real one
(torch, transformers, DeepSpeed) only when it is called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from training._formulas import checks
from training._report import ReportPaths, write_report
from training._types import (
    STRATEGIES,
    CompareResult,
    FailureRun,
    Strategy,
    TrainConfig,
    TrainingError,
    TrainResult,
    TrainSettings,
)
from usererrors import load_model

HEAVY_PACKAGES = frozenset({"torch", "transformers", "deepspeed"})
"""Packages of the `training` extra; their absence is a PrerequisiteError-style one-liner."""
INSTALL_FIX = "fix: run scripts/setup, or pip install -e '.[training]' then deepspeed"


class FailureSettings(BaseModel):
    """The kill-and-resume run: which rank dies, when, and how often torchrun may restart."""

    model_config = ConfigDict(extra="forbid")

    strategy: Strategy = "ddp"
    """A distributed strategy (not single)."""
    kill_rank: int = Field(default=1, ge=0)
    """The rank that is SIGKILLed."""
    kill_at_step: int = Field(default=30, gt=0)
    """The step at which it is killed (once)."""
    max_restarts: int = Field(default=2, ge=1)
    """torchrun's --max-restarts."""


class CompareConfig(BaseModel):
    """The --config YAML of `experiment train compare` and `experiment train run`."""

    model_config = ConfigDict(extra="forbid")

    strategies: list[Strategy] = Field(default_factory=lambda: list(STRATEGIES), min_length=1)
    """Strategies to compare, in report order."""
    train: TrainSettings = Field(default_factory=TrainSettings)
    """Everything the strategies share: model, data shape, schedule, seed."""
    failure: FailureSettings | None = None
    """When set, one more run in which a rank is killed mid-training."""
    gguf: bool = True
    """Whether to check if transformers loads the Gemma 3 270M GGUF."""


@dataclass(frozen=True)
class Core:
    """The training entry points the comparison calls (the real ones, or fakes in tests)."""

    train: Callable[[TrainConfig, Path], TrainResult]
    train_with_failure: Callable[..., TrainResult]
    gguf_check: Callable[[], str]


def default_core() -> Core:
    """The real training code, imported now; a missing torch/DeepSpeed is one line with a fix."""
    try:
        from training._launch import train, train_with_failure
        from training._model import gguf_check
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in HEAVY_PACKAGES:
            raise TrainingError(f"{exc.name} is not installed; {INSTALL_FIX}") from exc
        raise
    return Core(train, train_with_failure, gguf_check)


CHOICES = {"strateg": ", ".join(STRATEGIES)}
"""The values of the config's literal fields, named in its errors."""


def load_config(path: Path) -> CompareConfig:
    """Read and validate a --config YAML; every failure is one TrainingError line."""
    config = load_model(path, CompareConfig, TrainingError, CHOICES)
    check_failure(config, str(path))
    return config


def check_failure(config: CompareConfig, source: str) -> None:
    """The kill-and-resume settings must fit the run they interrupt."""
    failure, train = config.failure, config.train
    if failure is None:
        return
    problems = (
        (failure.strategy == "single", "strategy", "single has no rank to restart", "use ddp"),
        (
            failure.kill_rank >= train.world_size,
            "kill_rank",
            f"no rank {failure.kill_rank} among {train.world_size}",
            f"use 0..{train.world_size - 1}",
        ),
        (
            failure.kill_at_step >= train.steps,
            "kill_at_step",
            f"the run ends at step {train.steps}",
            "use a step below train.steps",
        ),
    )
    for found, field, problem, fix in problems:
        if found:
            raise TrainingError(f"{source}: field 'failure.{field}': {problem}; fix: {fix}")


def with_overrides(config: CompareConfig, **overrides: Any) -> CompareConfig:
    """The config with command-line values (None means not given) on its `train` section."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        train = TrainSettings.model_validate({**config.train.model_dump(), **given})
    except ValidationError as exc:
        first = exc.errors()[0]
        option = "--" + str(first["loc"][0]).replace("_", "-")
        raise TrainingError(f"{option}: {first['msg']}; fix: correct the value") from exc
    updated = config.model_copy(update={"train": train})
    check_failure(updated, "--steps")
    return updated


def parse_strategies(
    text: str, option: str = "--strategies", most: int = len(STRATEGIES)
) -> list[Strategy]:
    """Comma-separated strategy names, e.g. single,ddp,zero3 (at most `most` of them)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    chosen = [strategy for name in names for strategy in STRATEGIES if strategy == name]
    if names and len(chosen) == len(names) <= most:
        return chosen
    unknown = [name for name in names if name not in STRATEGIES]
    problem = f"unknown {unknown}" if unknown else f"{len(names)} given"
    what = "one of" if most == 1 else "a comma-separated subset of"
    raise TrainingError(f"{option} {text!r}: {problem}; fix: use {what} {','.join(STRATEGIES)}")


def run_one(
    settings: TrainSettings, strategy: Strategy, out_dir: Path, core: Core | None = None
) -> TrainResult:
    """One training run with these settings; its result is also written to result.json."""
    core = core or default_core()
    config = TrainConfig(strategy=strategy, **settings.model_dump())
    result = core.train(config, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return result


def run_compare(
    config: CompareConfig,
    out_dir: Path,
    *,
    core: Core | None = None,
    progress: Callable[[TrainResult], None] | None = None,
) -> tuple[CompareResult, ReportPaths]:
    """Train every strategy, the optional kill-and-resume run, check the GGUF; write the report."""
    core = core or default_core()
    results = []
    for strategy in config.strategies:
        result = run_one(config.train, strategy, out_dir / "runs" / strategy, core)
        results.append(result)
        if progress:
            progress(result)
    failure = _failure_run(config, out_dir, core)
    if failure and progress:
        progress(failure.result)
    compare = CompareResult(
        results=results,
        formula_checks=checks(results),
        gguf_check=core.gguf_check() if config.gguf else "",
        failure=failure,
    )
    return compare, write_report(compare, out_dir)


def _failure_run(config: CompareConfig, out_dir: Path, core: Core) -> FailureRun | None:
    settings = config.failure
    if settings is None:
        return None
    # Resuming needs a checkpoint before the kill: by default one halfway to it.
    every = config.train.checkpoint_every or max(1, settings.kill_at_step // 2)
    values = {**config.train.model_dump(), "checkpoint_every": every}
    train_config = TrainConfig(strategy=settings.strategy, **values)
    result = core.train_with_failure(
        train_config,
        out_dir / "runs" / f"{settings.strategy}-killed",
        kill_rank=settings.kill_rank,
        kill_at_step=settings.kill_at_step,
        max_restarts=settings.max_restarts,
    )
    return FailureRun(
        result=result,
        kill_rank=settings.kill_rank,
        kill_at_step=settings.kill_at_step,
        max_restarts=settings.max_restarts,
    )
