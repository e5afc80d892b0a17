"""When a fault fires: always, on the first n opportunities, with probability p, or in a burst
window; seeded, so that an episode repeats exactly.

An *opportunity* is what the fault acts on: a request for a network fault, a page load for a
page fault, an action for a tool or browser fault, a call for a model fault.
"""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Schedule(BaseModel):
    """Exactly one of the fields: `always`, `first`, `probability` or `burst`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    always: bool | None = None
    """Fire on every opportunity."""
    first: int | None = Field(default=None, ge=1)
    """Fire on the first n opportunities of the episode, then never."""
    probability: float | None = Field(default=None, ge=0.0, le=1.0)
    """Fire on each opportunity with this probability (seeded per episode)."""
    burst: tuple[int, int] | None = None
    """[start, length]: fire on opportunities start .. start + length - 1 (0-based)."""

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        given = [
            v for v in (self.always, self.first, self.probability, self.burst) if v is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of always: true, first: N, probability: P, burst: [START, LENGTH]"
            )
        if self.always is False:
            raise ValueError("always: false never fires; leave the fault out instead")
        if self.burst is not None and (self.burst[0] < 0 or self.burst[1] < 1):
            raise ValueError("burst: [START, LENGTH] needs START >= 0 and LENGTH >= 1")
        return self

    def label(self) -> str:
        """Short words for reports, e.g. 'p=0.3' or 'first 2'."""
        if self.first is not None:
            return f"first {self.first}"
        if self.probability is not None:
            return f"p={self.probability:g}"
        if self.burst is not None:
            return f"burst {self.burst[0]}+{self.burst[1]}"
        return "always"

    def fires(self, index: int, draw: float) -> bool:
        """Whether opportunity `index` (0-based) fires, given a uniform draw in [0, 1)."""
        if self.first is not None:
            return index < self.first
        if self.probability is not None:
            return draw < self.probability
        if self.burst is not None:
            return self.burst[0] <= index < self.burst[0] + self.burst[1]
        return True


ALWAYS = Schedule(always=True)


class Trigger:
    """A schedule at work in one episode: counts opportunities and fires, draws from its seed."""

    def __init__(self, schedule: Schedule, seed: str) -> None:
        self.schedule = schedule
        self._random = random.Random(seed)
        self.opportunities = 0
        """Opportunities seen so far."""
        self.fired = 0
        """How many of them fired."""

    def __call__(self) -> bool:
        """Take the next opportunity: whether the fault fires on it."""
        # One draw per opportunity whatever the schedule, so that the stream stays aligned.
        hit = self.schedule.fires(self.opportunities, self._random.random())
        self.opportunities += 1
        self.fired += hit
        return hit
