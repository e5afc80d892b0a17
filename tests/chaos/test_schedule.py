"""Fault schedules: exactly one kind each, seeded and repeatable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chaos import Schedule
from chaos._schedule import Trigger


def fires(schedule: Schedule, n: int, seed: str = "s") -> list[bool]:
    trigger = Trigger(schedule, seed)
    return [trigger() for _ in range(n)]


def test_always_first_and_burst_fire_where_they_say() -> None:
    assert fires(Schedule(always=True), 3) == [True, True, True]
    assert fires(Schedule(first=2), 4) == [True, True, False, False]
    assert fires(Schedule(burst=(1, 2)), 5) == [False, True, True, False, False]


def test_probability_is_seeded_and_close_to_its_rate() -> None:
    schedule = Schedule(probability=0.3)
    draws = fires(schedule, 2000, "seed-a")
    assert draws == fires(schedule, 2000, "seed-a")
    assert draws != fires(schedule, 2000, "seed-b")
    assert 0.25 < sum(draws) / len(draws) < 0.35


def test_the_trigger_counts_opportunities_and_fires() -> None:
    trigger = Trigger(Schedule(first=1), "s")
    for _ in range(3):
        trigger()
    assert (trigger.opportunities, trigger.fired) == (3, 1)


@pytest.mark.parametrize(
    "fields",
    [{}, {"always": True, "first": 1}, {"always": False}, {"burst": (-1, 2)}, {"probability": 2}],
)
def test_a_schedule_is_exactly_one_valid_kind(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Schedule.model_validate(fields)


def test_labels_name_the_schedule() -> None:
    labels = [
        s.label() for s in (Schedule(first=2), Schedule(probability=0.25), Schedule(burst=(3, 1)))
    ]
    assert labels == ["first 2", "p=0.25", "burst 3+1"]
