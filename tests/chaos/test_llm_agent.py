"""The model-driven web agent in the builder's agent loop, on a scripted mock model (a test
double) and a stand-in for the browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.models import MockModel, RetryPolicy
from chaos import LlmAgent, WebTask
from chaos._actions import ActionResult
from chaos._faults import MalformedToolCall, ModelHttpError
from chaos._observe import Observation
from chaos._schedule import Schedule

PAGE = Observation(url="/", title="Home", lines=('[1] link "Deals"',))
TASK = WebTask.model_validate(
    {"id": "t", "intent": "Find the code.", "checks": [{"kind": "answer"}], "plan": ["back"]}
)


@dataclass
class FakeTools:
    """Records actions; every action succeeds and shows the same page."""

    actions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def act(self, action: str, **arguments: Any) -> ActionResult:
        self.actions.append((action, arguments))
        return ActionResult(True, "ok", PAGE)


CLICK = {"tool_calls": [{"name": "click", "arguments": {"id": "1"}}]}
DONE = {"tool_calls": [{"name": "done", "arguments": {"status": "success", "answer": "HOSE-25"}}]}
POLICY = RetryPolicy(initial_backoff_s=0.0, jitter=0.0)


def agent(script: list[Any]) -> LlmAgent:
    return LlmAgent("mock", lambda: MockModel("web", script, retry=POLICY), max_steps=5)


def test_the_agent_acts_then_answers() -> None:
    tools, web = FakeTools(), agent([CLICK, DONE])
    web.prepare(None, "0")
    outcome = web.run(TASK, tools, PAGE)  # type: ignore[arg-type]
    assert (outcome.claim, outcome.answer, outcome.stop) == ("success", "HOSE-25", "done")
    assert tools.actions == [("click", {"id": "1"})]
    assert outcome.usage is not None and outcome.usage.calls == 2


def test_a_model_fault_is_retried_and_counted() -> None:
    web = agent([CLICK, DONE])
    web.prepare(ModelHttpError(schedule=Schedule(first=1)), "0")
    outcome = web.run(TASK, FakeTools(), PAGE)  # type: ignore[arg-type]
    assert outcome.claim == "success" and web.model_fired == 1
    assert outcome.usage is not None and outcome.usage.retries == 1


def test_a_malformed_call_is_an_error_the_agent_reads() -> None:
    web = agent([DONE])
    web.prepare(MalformedToolCall(schedule=Schedule(first=1)), "0")
    outcome = web.run(TASK, FakeTools(), PAGE)  # type: ignore[arg-type]
    assert outcome.claim == "success" and web.model_fired == 1


def test_no_done_is_a_failure_at_the_limit() -> None:
    web = agent([CLICK] * 5)
    web.prepare(None, "0")
    outcome = web.run(TASK, FakeTools(), PAGE)  # type: ignore[arg-type]
    assert (outcome.claim, outcome.stop) == ("failure", "max_turns")
