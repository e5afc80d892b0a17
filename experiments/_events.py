"""Progress events of a trial, as typed records: what the CLI prints while a trial runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents import ToolEvent


@dataclass(frozen=True)
class TrialStarted:
    """A trial got its run directory."""

    run_dir: str
    trial: int
    """Which trial of the task, from 1."""
    of: int
    """How many trials of the task this run makes."""


@dataclass(frozen=True)
class AgentStarted:
    """An agent step began: `build`, or `regenerate:<arm>`."""

    step: str
    model: str
    """provider/model of the agent."""


@dataclass(frozen=True)
class JournalSealed:
    """The builder's journal was sealed: nothing can change it now."""

    entries: int


@dataclass(frozen=True)
class TestsStarted:
    """The hidden tests began on one codebase (`original` or an arm)."""

    codebase: str


@dataclass(frozen=True)
class TestsFinished:
    """The hidden tests ended on one codebase."""

    codebase: str
    pass_rate: float


@dataclass(frozen=True)
class Comparing:
    """An arm's codebase is being compared with the original."""

    arm: str


@dataclass(frozen=True)
class ResultsWritten:
    """results.json was written: the trial is over."""

    run_dir: str


ProgressEvent = (
    TrialStarted
    | AgentStarted
    | ToolEvent
    | JournalSealed
    | TestsStarted
    | TestsFinished
    | Comparing
    | ResultsWritten
)
EventHandler = Callable[[ProgressEvent], None]


def ignore(event: ProgressEvent) -> None:
    """The handler that drops every event."""
