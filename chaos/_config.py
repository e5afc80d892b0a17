"""chaos.yaml: a chaos experiment as Chaos Toolkit defines one, for the web world.

A steady-state hypothesis (tolerances on baseline episodes: success with its interval, false
successes, p95 steps), checked before and after the method; the method (faults x rates x
agents x tasks x trials); and the rollbacks run after every episode and before the after-check
(a fresh browser context, a fresh database).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chaos._errors import ChaosConfigError
from chaos._faults import WEB_KINDS, PipelineFault, WebFault
from usererrors import load_model

EXPERIMENTS_DIR = Path(__file__).with_name("experiments")
BUNDLED = EXPERIMENTS_DIR / "web.yaml"
"""The bundled web experiment: the heuristic agent and the oracle over all tasks and faults."""
BUNDLED_PIPELINE = EXPERIMENTS_DIR / "pipeline.yaml"
"""The bundled pipeline chaos for `experiment run … --chaos`."""
Rollback = Literal["fresh_context", "fresh_database"]
AgentKind = Literal["oracle", "heuristic", "llm"]


def _all_rollbacks() -> list[Rollback]:
    return ["fresh_context", "fresh_database"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentSpec(_Strict):
    """One agent of the experiment."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """How results name it."""
    kind: AgentKind
    """oracle (the task's plan, run literally), heuristic (the plan, run carefully) or llm."""
    model: str | None = None
    """provider/model of an llm agent, e.g. local/qwen2.5-coder-1.5b."""
    base_url: str | None = None
    """Server URL for openai-compatible models."""
    max_steps: int = Field(default=10, ge=1, le=100)
    """Model turns of an llm agent (the heuristic agent takes up to 40 actions)."""

    @model_validator(mode="after")
    def _model_for_llm(self) -> AgentSpec:
        if (self.kind == "llm") != (self.model is not None):
            raise ValueError("an llm agent needs `model: provider/model`; other kinds take none")
        return self


class Hypothesis(_Strict):
    """The steady state: tolerances on the baseline episodes, checked before and after."""

    title: str = "The shop works for its agents"
    agents: list[str] = Field(default_factory=list)
    """The agents the tolerances apply to (default: all; others are measured only)."""
    min_success: float = Field(default=0.9, ge=0.0, le=1.0)
    """Baseline success rate at least this..."""
    judge: Literal["mean", "low"] = "low"
    """...judged on the rate itself (mean) or on the low end of its 95 % Wilson interval."""
    max_false_success: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of episodes where the agent said done but the checks disagree, at most."""
    max_p95_steps: float | None = Field(default=None, gt=0)
    """The 95th percentile of actions per episode, at most (None: not checked)."""
    after_tasks: list[str] = Field(default_factory=list)
    """Tasks probed after the method (default: the method's tasks)."""


class Method(_Strict):
    """What the experiment does: every fault x agent x task x trial."""

    faults: list[WebFault] = Field(min_length=1)
    """The faults; a fault whose `schedule` is a list runs once per schedule (its rates)."""
    tasks: list[str] = Field(default_factory=list)
    """Task ids (default: every task of the web world)."""
    agents: list[str] = Field(default_factory=list)
    """Agent names (default: every agent)."""
    trials: int = Field(default=1, ge=1, le=100)
    """Episodes per agent, task and condition (each trial has its own seed)."""

    @model_validator(mode="before")
    @classmethod
    def _rates(cls, data: Any) -> Any:
        """A list of schedules is one fault per schedule."""
        if not isinstance(data, dict) or not isinstance(data.get("faults"), list):
            return data
        faults: list[Any] = []
        for fault in data["faults"]:
            if isinstance(fault, dict) and isinstance(fault.get("schedule"), list):
                faults += [{**fault, "schedule": schedule} for schedule in fault["schedule"]]
            else:
                faults.append(fault)
        return {**data, "faults": faults}

    @model_validator(mode="after")
    def _unique(self) -> Method:
        names = [fault.name for fault in self.faults]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"faults {twice} appear twice; give each a different parameter")
        return self


class ChaosConfig(_Strict):
    """A chaos.yaml for the web world."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Names the run directory (runs/chaos-<timestamp>-<name>)."""
    description: str = ""
    target: Literal["web"] = "web"
    seed: int = 0
    """Seeds every fault schedule; the same seed repeats the experiment exactly."""
    agents: list[AgentSpec] = Field(min_length=1)
    steady_state: Hypothesis = Field(default_factory=Hypothesis)
    method: Method
    rollbacks: list[Rollback] = Field(default_factory=_all_rollbacks)
    """Run after every episode and before the after-check."""
    screenshots: Literal["failed", "all", "none"] = "failed"
    """Which episodes keep a screenshot per step (for the replay)."""
    max_replays: int = Field(default=12, ge=0)
    """Episodes whose steps and screenshots are kept, at most."""

    @model_validator(mode="after")
    def _names(self) -> ChaosConfig:
        names = [agent.name for agent in self.agents]
        if len(set(names)) != len(names):
            raise ValueError("agent names must be unique")
        for field, wanted in (
            ("method.agents", self.method.agents),
            ("steady_state.agents", self.steady_state.agents),
        ):
            unknown = [name for name in wanted if name not in names]
            if unknown:
                raise ValueError(f"{field} names unknown agent(s) {unknown}; agents: {names}")
        return self

    @property
    def method_agents(self) -> list[AgentSpec]:
        """The agents the method runs."""
        wanted = self.method.agents or [agent.name for agent in self.agents]
        return [agent for agent in self.agents if agent.name in wanted]


class PipelineChaos(_Strict):
    """A chaos.yaml for `experiment run TASK --chaos FILE`: faults in the journal-and-regenerate
    pipeline, each run as its own trials beside a fault-free baseline."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    target: Literal["pipeline"] = "pipeline"
    seed: int = 0
    faults: list[PipelineFault] = Field(min_length=1)


FAULT_CHOICES = {
    "kind": ", ".join(WEB_KINDS),
    "judge": "mean, low",
    "rollbacks": "fresh_context, fresh_database",
}


def load_config(path: Path) -> ChaosConfig:
    """A web chaos.yaml, validated; a bad file is one line naming the field and the fix."""
    data = _target(path)
    if data == "pipeline":
        raise ChaosConfigError(
            f"{path}: a pipeline chaos file (target: pipeline); fix: give it to "
            "`experiment run TASK --chaos FILE`, or give `experiment chaos run` a web one"
        )
    return load_model(path, ChaosConfig, ChaosConfigError, FAULT_CHOICES)


def load_pipeline_chaos(path: Path) -> PipelineChaos:
    """A pipeline chaos file (target: pipeline), validated."""
    if _target(path) != "pipeline":
        raise ChaosConfigError(
            f"{path}: field 'target': `experiment run --chaos` takes a pipeline chaos file; "
            f"fix: set `target: pipeline` and pipeline faults (see {BUNDLED_PIPELINE.name})"
        )
    return load_model(path, PipelineChaos, ChaosConfigError)


def _target(path: Path) -> str:
    from usererrors import read_yaml

    data = read_yaml(path, ChaosConfigError)
    return str(data.get("target", "web")) if isinstance(data, dict) else "web"
