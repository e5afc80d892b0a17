"""The agent loop: tools, stop reasons and limits, driven by the mock provider."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents import (
    AgentContext,
    AgentLimits,
    AgentModelError,
    ModelError,
    Toolbox,
    Workspace,
    run_agent,
)
from agents.models import MockModel
from sandbox import get_sandbox


def context(tmp_path: Path, script: list[Any], **limits: Any) -> AgentContext:
    return AgentContext(
        role="builder",
        model=MockModel("loop", script),
        toolbox=Toolbox(Workspace(tmp_path / "ws"), get_sandbox("local")),
        limits=AgentLimits(**limits),
        transcript=tmp_path / "transcript.jsonl",
    )


def write(path: str) -> dict[str, Any]:
    return {"tool_calls": [{"name": "write_file", "arguments": {"path": path, "content": "x"}}]}


DONE = {"tool_calls": [{"name": "done", "arguments": {"summary": "all good"}}]}


def test_runs_tools_until_done(tmp_path: Path) -> None:
    ctx = context(tmp_path, [write("a.py"), write("b.py"), DONE])
    run = run_agent("system", "task", ctx)
    assert (run.stop_reason, run.turns, run.summary) == ("done", 3, "all good")
    assert isinstance(ctx.toolbox, Toolbox)
    assert ctx.toolbox.workspace.files() == ["a.py", "b.py"]
    assert run.usage.calls == 3


def test_stops_at_the_turn_limit(tmp_path: Path) -> None:
    run = run_agent(
        "s", "t", context(tmp_path, [write(f"f{i}.py") for i in range(10)], max_turns=4)
    )
    assert (run.stop_reason, run.turns) == ("max_turns", 4)


def test_stops_at_the_output_token_limit(tmp_path: Path) -> None:
    talk = {"text": "word " * 50, **write("a.py")}
    run = run_agent("s", "t", context(tmp_path, [talk] * 5, max_output_tokens=120))
    assert run.stop_reason == "max_output_tokens" and run.turns == 3


def test_stops_at_the_cost_limit(tmp_path: Path) -> None:
    ctx = context(tmp_path, [write("a.py")] * 5, max_cost_usd=0.00025)
    ctx.model = MockModel("priced", [write("a.py")] * 5, cost_per_call=0.0001)
    run = run_agent("s", "t", ctx)
    assert run.stop_reason == "max_cost" and run.turns == 3
    assert run.usage.cost_usd == pytest.approx(0.0003)


def test_stops_at_the_time_limit(tmp_path: Path) -> None:
    slow = {"delay_s": 0.3, **write("a.py")}
    run = run_agent("s", "t", context(tmp_path, [slow] * 10, timeout_s=0.5))
    # Stopped by its clock long before its ten scripted turns (two fit in 0.5 s on an idle
    # machine; on a loaded one the second may not start).
    assert run.stop_reason == "timeout" and 1 <= run.turns <= 2


def test_a_text_reply_gets_a_nudge(tmp_path: Path) -> None:
    ctx = context(tmp_path, ["I am thinking.", DONE])
    run = run_agent("s", "t", ctx)
    assert run.stop_reason == "done"
    nudge = ctx.model.requests[1].messages[-1]  # type: ignore[attr-defined]
    assert nudge.role == "user" and "call `done`" in nudge.content


def test_tool_errors_are_counted_and_returned(tmp_path: Path) -> None:
    ctx = context(tmp_path, [write("../escape.py"), DONE])
    run = run_agent("s", "t", ctx)
    assert run.tool_errors == 1
    feedback = ctx.model.requests[1].messages[-1]  # type: ignore[attr-defined]
    assert feedback.role == "tool" and "leaves the workspace" in feedback.content


def test_a_final_model_error_stops_the_agent(tmp_path: Path) -> None:
    run = run_agent("s", "t", context(tmp_path, [{"error": {"status": 401, "message": "bad key"}}]))
    assert run.stop_reason == "model_error" and "bad key" in str(run.error)
    # The failed call is counted as a call, with no tokens.
    assert (run.usage.calls, run.usage.output_tokens, run.usage.retries) == (1, 0, 0)


def test_a_transient_error_that_outlives_retries_propagates(tmp_path: Path) -> None:
    ctx = context(tmp_path, [{"error": {"status": 503}}] * 10)
    with pytest.raises(ModelError) as info:
        run_agent("s", "t", ctx)
    assert info.value.status_code == 503


def test_the_propagated_outage_carries_what_the_run_spent(tmp_path: Path) -> None:
    journal = {"name": "journal", "arguments": {"kind": "plan", "text": "one two three"}}
    ctx = context(tmp_path, [{"tool_calls": [journal]}, *[{"error": {"status": 503}}] * 10])
    with pytest.raises(AgentModelError) as info:
        run_agent("s", "t", ctx)
    spent = info.value.spent
    assert info.value.retries > 0 and spent.retries == info.value.retries
    assert spent.calls == 2  # the reply, and the call that failed for good
    assert spent.input_tokens == ctx.model.usage.input_tokens > 0
