"""Model faults between an agent and its model, on a scripted mock model (a test double)."""

from __future__ import annotations

import pytest

from agents import ActionParseError, ModelError
from agents.models import Message, MockModel, RetryPolicy, ToolSpec
from chaos import FaultyModel
from chaos._faults import MalformedToolCall, ModelHttpError, ModelTimeout
from chaos._schedule import Schedule

POLICY = RetryPolicy(max_attempts=4, initial_backoff_s=0.0, jitter=0.0)
ASK = [Message.user("hello")]
GOTO = ToolSpec(name="goto", description="Open a page.")


def inner() -> MockModel:
    return MockModel("m", ["one", "two", "three"], retry=POLICY, cost_per_call=0.01)


def test_a_429_burst_is_retried_and_counted() -> None:
    model = FaultyModel(inner(), ModelHttpError(schedule=Schedule(first=2)), "s")
    reply = model.generate(ASK)
    assert reply.text == "one" and reply.usage.retries == 2 and model.fired == 2
    assert reply.model == "mock/m" and reply.usage.cost_usd == pytest.approx(0.01)


def test_an_outage_that_outlives_the_retries_is_a_model_error() -> None:
    model = FaultyModel(inner(), ModelHttpError(status=503), "s")
    with pytest.raises(ModelError, match="HTTP 503") as caught:
        model.generate(ASK)
    assert caught.value.status_code == 503 and model.fired == POLICY.max_attempts


def test_a_timeout_is_transient() -> None:
    model = FaultyModel(inner(), ModelTimeout(schedule=Schedule(first=1)), "s")
    assert model.generate(ASK).usage.retries == 1


def test_malformed_tool_calls_of_each_kind() -> None:
    unknown = FaultyModel(inner(), MalformedToolCall(), "s").generate(ASK, tools=[GOTO])
    assert [c.name for c in unknown.tool_calls] == ["clik"]
    missing = FaultyModel(inner(), MalformedToolCall(mode="missing_arguments"), "s")
    [call] = missing.generate(ASK, tools=[GOTO]).tool_calls
    assert (call.name, call.arguments) == ("goto", {})
    with pytest.raises(ActionParseError):
        FaultyModel(inner(), MalformedToolCall(mode="unparseable"), "s").generate(ASK)


def test_the_schedule_is_seeded() -> None:
    def hits(seed: str) -> list[bool]:
        model = FaultyModel(
            MockModel("m", ["x"] * 40, retry=POLICY),
            ModelHttpError(schedule=Schedule(probability=0.5)),
            seed,
        )
        return [model.generate(ASK).usage.retries > 0 for _ in range(10)]

    assert hits("a") == hits("a")
