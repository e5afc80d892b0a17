"""The configuration of a run, as given on the command line or in Python, validated."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from agents import ARMS, Arm, CodePolicy, journal_styles

DEFAULT_MODEL = "local/qwen2.5-coder-1.5b"
DEFAULT_ARMS: tuple[Arm, ...] = ("journal", "prompt")
LOCAL_MAX_TURNS = 8
"""Default turn cap for embedded models, which run on the CPU: with the default arms, one
trial (builder, two regenerators, hidden tests) stays within about 12 minutes on 2 cores."""
LOCAL_TURN_TOKENS = 1024
"""Output tokens per turn for embedded models: room for one whole module in one write."""


class RunConfig(BaseModel):
    """Everything that defines a trial; saved in run.yaml so a run can resume."""

    task: Path
    """The task folder or its task.yaml."""
    builder_model: str = DEFAULT_MODEL
    """provider/model of the builder."""
    regenerator_model: str = DEFAULT_MODEL
    """provider/model of the regenerator (one instance per arm)."""
    arms: list[Arm] = Field(default_factory=lambda: list(DEFAULT_ARMS))
    """What the regenerator is given, one regeneration per arm."""
    journal_style: str = "structured"
    """Journal style asked of the builder."""
    code_policy: CodePolicy = Field(default_factory=CodePolicy)
    """How much code the journal may hold."""
    base_url: str | None = None
    """Server URL for openai-compatible models."""
    sandbox: Literal["auto", "bwrap", "local", "docker"] = "auto"
    """Sandbox backend for the agents' commands and the hidden tests."""
    max_turns: int | None = Field(default=None, gt=0)
    """Override of the task's max_turns, per agent."""
    tokens_per_turn: int | None = Field(default=None, gt=0)
    """Output tokens per model turn (default: 4096; 1024 for local models)."""
    max_cost_usd: float | None = Field(default=None, gt=0)
    """Cost limit of the whole trial: the builder may spend it all; the regenerators share
    what the build left."""
    seed: int = 0
    """Sampling seed where the provider supports one."""
    cache: bool = True
    """Answer repeated requests of hosted models from the response cache (keyed with the seed)."""

    @field_validator("arms")
    @classmethod
    def _arms(cls, arms: list[Arm]) -> list[Arm]:
        if not arms:
            raise ValueError(f"give at least one arm: {', '.join(ARMS)}")
        return list(dict.fromkeys(arms))

    @field_validator("journal_style")
    @classmethod
    def _style(cls, style: str) -> str:
        if style not in journal_styles():
            raise ValueError(f"unknown journal style {style!r}; use one of {journal_styles()}")
        return style

    def turns(self, model: str, task_turns: int) -> int:
        """Turn limit per agent: the override, else the task's (capped for local models)."""
        if self.max_turns is not None:
            return self.max_turns
        return min(task_turns, LOCAL_MAX_TURNS) if model.startswith("local/") else task_turns

    def turn_tokens(self, model: str) -> int:
        """Output tokens per turn for `model`."""
        if self.tokens_per_turn is not None:
            return self.tokens_per_turn
        return LOCAL_TURN_TOKENS if model.startswith("local/") else 4096
