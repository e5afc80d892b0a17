"""The typed results of a trial, written to results.json and usage.json."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from agents import AgentRun
from agents.models import Usage
from analysis import HiddenTestRun

TrialStatus = Literal["completed", "error", "interrupted"]


class TrialResult(BaseModel):
    """One trial: the builder, a regenerator per arm, and each codebase's hidden-test results."""

    run_id: str
    """Name of the run directory."""
    run_dir: str
    """Path of the run directory."""
    task: str
    """Task id."""
    status: TrialStatus
    """completed, error (see `error`) or interrupted (resumable)."""
    error: str | None = None
    """What went wrong, when status is error."""
    steps: dict[str, str] = Field(default_factory=dict)
    """Status of each workflow step (done, or absent)."""
    models: dict[str, str]
    """provider/model per role (builder, regenerator)."""
    arms: list[str]
    """Regeneration arms."""
    journal_style: str
    code_policy: str
    builder: AgentRun | None = None
    """How the builder's run went."""
    regenerators: dict[str, AgentRun] = Field(default_factory=dict)
    """How each arm's regenerator run went."""
    tests: dict[str, HiddenTestRun] = Field(default_factory=dict)
    """Hidden-test results per codebase: `original` and one per arm."""
    pass_rates: dict[str, float] = Field(default_factory=dict)
    """passed ÷ total per codebase."""
    fidelity: dict[str, float | None] = Field(default_factory=dict)
    """Per arm: regenerated pass rate ÷ original pass rate (None when the original passes none)."""
    headlines: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    """Per arm, the headline numbers of analysis.json: similarity, API match, leakage, ..."""
    timings: dict[str, float] = Field(default_factory=dict)
    """Wall-clock seconds of the build, each regeneration and the analysis."""
    failed_attempts: dict[str, Usage] = Field(default_factory=dict)
    """Per role, what agent runs ended by a model outage spent before the step was run again
    (or the trial failed); counted in the role's usage."""
    notes: list[str] = Field(default_factory=list)
    """Caveats a reader must see next to the numbers."""
    started_at: datetime
    finished_at: datetime | None = None


def fidelity(original: float, regenerated: float) -> float | None:
    """Regenerated ÷ original pass rate; undefined (None) when the original passes nothing."""
    return regenerated / original if original > 0 else None


def usage_by_role(result: TrialResult) -> dict[str, Usage]:
    """Usage per role and in total, for usage.json."""
    runs = {"builder": result.builder}
    runs |= {f"regenerator:{arm}": run for arm, run in result.regenerators.items()}
    roles = {role: run.usage for role, run in runs.items() if run is not None}
    for role, spent in result.failed_attempts.items():
        roles[role] = roles.get(role, Usage.zero()) + spent
    roles["total"] = sum(roles.values(), Usage.zero())
    return roles
