"""The generic hooks around an agent's tools: a middleware around every Toolbox call, and the
agent loop running any ToolProvider (not only a Toolbox over a workspace)."""

from __future__ import annotations

from pathlib import Path

from agents import (
    AgentContext,
    AgentLimits,
    Toolbox,
    ToolHandler,
    ToolResult,
    Workspace,
    run_agent,
)
from agents.models import MockModel, ToolCall, ToolSpec
from sandbox import get_sandbox

WRITE = {"tool_calls": [{"name": "write_file", "arguments": {"path": "a.py", "content": "x"}}]}
DONE = {"tool_calls": [{"name": "done", "arguments": {"summary": "ok"}}]}


def test_the_middleware_sees_every_call_and_its_result(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    def log(call: ToolCall, handler: ToolHandler) -> ToolResult:
        result = handler(call)
        seen.append((call.name, result.text.split()[0]))
        return result

    toolbox = Toolbox(Workspace(tmp_path / "ws"), get_sandbox("local"), middleware=log)
    context = AgentContext("builder", MockModel("m", [WRITE, DONE]), toolbox, AgentLimits())
    run = run_agent("system", "task", context)
    assert run.stop_reason == "done"
    assert seen == [("write_file", "wrote"), ("done", "finished:")]
    assert toolbox.workspace.files() == ["a.py"]


def test_the_middleware_can_answer_without_running_the_tool(tmp_path: Path) -> None:
    def refuse(call: ToolCall, handler: ToolHandler) -> ToolResult:
        if call.name == "write_file":
            return ToolResult("error: refused", error=True)
        return handler(call)

    toolbox = Toolbox(Workspace(tmp_path / "ws"), get_sandbox("local"), middleware=refuse)
    context = AgentContext("builder", MockModel("m", [WRITE, DONE]), toolbox, AgentLimits())
    run = run_agent("system", "task", context)
    assert run.tool_errors == 1 and toolbox.workspace.files() == []


class Counter:
    """A ToolProvider that is not a Toolbox: one tool that counts its calls."""

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.sandbox_seconds = 0.0
        self.count = 0

    def specs(self) -> list[ToolSpec]:
        return [
            ToolSpec(name="tick", description="Count one."),
            ToolSpec(name="done", description="Stop."),
        ]

    def call(self, call: ToolCall) -> ToolResult:
        if call.name == "done":
            return ToolResult("bye", done=True)
        self.count += 1
        return ToolResult(f"count {self.count}")


def test_the_agent_loop_runs_any_tool_provider() -> None:
    tick = {"tool_calls": [{"name": "tick", "arguments": {}}]}
    tools = Counter()
    run = run_agent(
        "s", "t", AgentContext("web", MockModel("m", [tick, tick, DONE]), tools, AgentLimits())
    )
    assert (run.stop_reason, tools.count, run.turns) == ("done", 2, 3)
