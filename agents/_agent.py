"""The agent loop as a LangGraph graph: a model turn, its tool calls, again, until done or a limit.

The model, the tools and the limits arrive in the graph's runtime context; nothing is built
inside the nodes. Transient model errors that survive the model's own retries propagate, so the
workflow's node retry policy can restart the agent.
"""

from __future__ import annotations

import contextvars
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel

from agents._errors import ActionParseError, AgentsError, ModelError
from agents._tools import ToolProvider
from agents.models import GenerateConfig, Message, Model, ModelResponse, Usage, interrupted

StopReason = Literal["done", "max_turns", "max_output_tokens", "timeout", "max_cost", "model_error"]
NUDGE = "Act with a tool call. When the work is finished, call `done`."


class AgentModelError(ModelError):
    """A model outage that outlived the model's own retries, raised out of an agent run.

    The run is lost (the workflow may start it again), but what it spent is not: `spent` is
    its usage up to the failure, the failed call's retries included.
    """

    def __init__(self, cause: ModelError, spent: Usage) -> None:
        super().__init__(str(cause), status_code=cause.status_code, retries=cause.retries)
        self.spent = spent
        """Usage of the run until it failed."""


class AgentLimits(BaseModel):
    """When an agent is stopped."""

    max_turns: int = 40
    max_output_tokens: int = 60_000
    timeout_s: float = 900.0
    max_cost_usd: float | None = None
    tokens_per_turn: int = 4096
    """Output tokens allowed in one model turn."""

    def describe(self) -> str:
        """The limits in words, for the prompt."""
        cost = f", ${self.max_cost_usd:.2f}" if self.max_cost_usd is not None else ""
        return (
            f"{self.max_turns} turns, {self.max_output_tokens} output tokens, "
            f"{int(self.timeout_s)} s{cost}"
        )


class AgentRun(BaseModel):
    """How one agent run went."""

    role: str
    """builder, or regenerator:<arm>."""
    model: str
    """provider/model."""
    stop_reason: StopReason
    """Why it stopped."""
    turns: int
    """Model turns taken."""
    usage: Usage
    """Tokens, cost, latency and retries summed over the run."""
    duration_s: float
    """Wall-clock seconds."""
    sandbox_s: float = 0.0
    """Seconds spent in sandboxed commands."""
    tool_errors: int = 0
    """Tool calls refused or failed."""
    error: str | None = None
    """The model error that stopped it, if any."""
    summary: str = ""
    """What the agent said when it called done."""
    replies: int = 0
    """Model replies received (0: the model never answered)."""


@dataclass(frozen=True)
class ToolEvent:
    """A progress event: an agent called a tool."""

    role: str
    """builder, or regenerator:<arm>."""
    turn: int
    """The model turn that asked for the call."""
    tool: str
    """The tool's name."""
    target: str
    """What it was called on (a path, a command, a journal entry kind), cut short."""
    error: bool
    """Whether the tool refused or failed."""
    output_tokens: int
    """Output tokens the agent has spent so far."""


@dataclass
class AgentContext:
    """Everything the loop needs, injected from outside."""

    role: str
    model: Model
    toolbox: ToolProvider
    """The agent's tools: a Toolbox over a workspace, or any other ToolProvider."""
    limits: AgentLimits
    transcript: Path | None = None
    on_event: Callable[[ToolEvent], None] = lambda event: None
    seed: int | None = None


@dataclass
class _State:
    messages: list[Message]
    turns: int = 0
    usage: Usage = field(default_factory=Usage.zero)
    started: float = field(default_factory=time.monotonic)
    stop: StopReason | None = None
    tool_errors: int = 0
    error: str | None = None
    summary: str = ""
    recorded: int = 0
    """Messages already written to the transcript."""
    replies: int = 0
    """Model replies received."""

    def left_s(self, limits: AgentLimits) -> float:
        """Seconds left of the agent's wall-time limit."""
        return limits.timeout_s - (time.monotonic() - self.started)


class StepTimeout(Exception):
    """A model call or a tool call was still running when the agent's time ran out."""


class AgentInterrupted(AgentsError):
    """The process was interrupted (Ctrl-C): the agent stopped where it was."""


_POLL_S = 0.2


T = TypeVar("T")


def bounded(step: Callable[[], T], seconds: float) -> T:
    """`step()`, or StepTimeout once `seconds` pass, whatever the step is blocked on.

    The step runs on a worker thread (with the caller's context variables); one still running at
    the limit is abandoned to finish or block on its own, and the agent goes on without it.
    """
    if seconds <= 0:
        raise StepTimeout
    outcome: list[tuple[bool, Any]] = []
    context = contextvars.copy_context()

    def work() -> None:
        try:
            outcome.append((True, context.run(step)))
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append((False, exc))

    worker = threading.Thread(target=work, name="agent-step", daemon=True)
    worker.start()
    deadline = time.monotonic() + seconds
    # Short waits: an interrupt (Ctrl-C in the main thread) is noticed at once, not at the limit.
    while worker.is_alive() and time.monotonic() < deadline and not interrupted():
        worker.join(min(_POLL_S, max(0.0, deadline - time.monotonic())))
    if not outcome:
        if interrupted():
            raise AgentInterrupted("the run was interrupted")
        raise StepTimeout
    ok, value = outcome[0]
    if not ok:
        raise value
    return cast(T, value)


def _limit_reached(state: _State, limits: AgentLimits) -> StopReason | None:
    if state.turns >= limits.max_turns:
        return "max_turns"
    if state.usage.output_tokens >= limits.max_output_tokens:
        return "max_output_tokens"
    if time.monotonic() - state.started >= limits.timeout_s:
        return "timeout"
    cost = state.usage.cost_usd
    if limits.max_cost_usd is not None and cost is not None and cost >= limits.max_cost_usd:
        return "max_cost"
    return None


def _model_node(state: _State, context: AgentContext) -> _State:
    if interrupted():
        raise AgentInterrupted("the run was interrupted")
    state.stop = _limit_reached(state, context.limits)
    if state.stop is not None:
        return state
    remaining = context.limits.max_output_tokens - state.usage.output_tokens
    state.turns += 1
    # A fresh seed per turn: the same seed every turn makes sampling models repeat themselves.
    seed = None if context.seed is None else context.seed * 1000 + state.turns
    left = state.left_s(context.limits)
    config = GenerateConfig(
        max_output_tokens=max(1, min(context.limits.tokens_per_turn, remaining)),
        seed=seed,
        # The provider's own limit for this call: the agent's remaining wall time. A CPU model can
        # need minutes for one turn that writes a module, so no shorter per-call cap applies.
        timeout_s=max(1.0, left),
    )
    started = time.perf_counter()
    specs = context.toolbox.specs()
    try:
        reply = bounded(
            lambda: context.model.generate(state.messages, tools=specs, config=config), left
        )
    except StepTimeout:
        state.usage = state.usage + Usage(latency_s=time.perf_counter() - started)
        state.stop, state.error = "timeout", "the model was still answering at the time limit"
        return state
    except ActionParseError as exc:
        # A malformed action is the model's mistake, not an outage: say so and go on. Its tokens
        # and time were spent all the same and count against the limits.
        spent = exc.usage or Usage(latency_s=time.perf_counter() - started)
        state.usage = state.usage + spent
        state.replies += 1
        state.messages.append(Message.user(f"error: {exc}. {NUDGE}"))
        state.tool_errors += 1
        _record(context, state, None, str(exc), unparsed=exc)
        return state
    except ModelError as exc:
        # The failed call's retries and wait are spent too: they count, like a reply's usage.
        failed = Usage(retries=exc.retries, latency_s=time.perf_counter() - started)
        if exc.status_code is not None and exc.status_code in {408, 429, 500, 502, 503, 504, 529}:
            raise AgentModelError(exc, state.usage + failed) from exc
        state.usage = state.usage + failed
        state.stop, state.error = "model_error", str(exc)
        return state
    state.usage = state.usage + reply.usage
    state.replies += 1
    state.messages.append(reply.as_message())
    _record(context, state, reply, None)
    return state


def _tools_node(state: _State, context: AgentContext) -> _State:
    last = state.messages[-1]
    if not last.tool_calls:
        state.messages.append(Message.user(NUDGE))
        return state
    context.toolbox.deadline = time.monotonic() + state.left_s(context.limits)
    for call in last.tool_calls:
        try:
            result = bounded(partial(context.toolbox.call, call), state.left_s(context.limits))
        except StepTimeout:
            state.stop = "timeout"
            state.error = f"the {call.name} tool was still running at the time limit"
            return state
        state.messages.append(Message.tool(result.text, call.id))
        state.tool_errors += result.error
        brief = _brief(call.arguments)
        tokens = state.usage.output_tokens
        context.on_event(
            ToolEvent(context.role, state.turns, call.name, brief, result.error, tokens)
        )
        if result.done:
            state.stop, state.summary = "done", str(call.arguments.get("summary", ""))
    return state


def _brief(arguments: dict[str, Any]) -> str:
    for key in ("path", "command", "kind"):
        if key in arguments:
            return str(arguments[key])[:80]
    return ""


def _record(
    context: AgentContext,
    state: _State,
    reply: ModelResponse | None,
    error: str | None,
    *,
    unparsed: ActionParseError | None = None,
) -> None:
    """Append one turn to the transcript.

    Each line holds the messages added since the previous line and the reply (or the error), so
    the request of every turn is the concatenation of the lines' messages up to it. A reply that
    was not a valid action keeps its text and usage, to show what the model wrote.
    """
    if context.transcript is None:
        return
    sent_until = len(state.messages) - (1 if reply is not None or error is not None else 0)
    entry = {
        "turn": state.turns,
        "role": context.role,
        "model": context.model.id,
        "new_messages": [
            m.model_dump(mode="json") for m in state.messages[state.recorded : sent_until]
        ],
        "reply": reply.model_dump(mode="json") if reply else None,
        "error": error,
    }
    if unparsed is not None and unparsed.reply is not None:
        entry["unparsed_text"] = unparsed.reply.text
    if unparsed is not None and unparsed.usage is not None:
        entry["usage"] = unparsed.usage.model_dump(mode="json")
    if state.turns == 1:
        entry["tools"] = [t.model_dump(mode="json") for t in context.toolbox.specs()]
    state.recorded = len(state.messages)
    with context.transcript.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(entry) + "\n")


def _graph() -> Any:
    from langgraph.graph import END, START, StateGraph
    from langgraph.runtime import Runtime

    def model(state: _State, runtime: Runtime[AgentContext]) -> _State:
        return _model_node(state, runtime.context)

    def tools(state: _State, runtime: Runtime[AgentContext]) -> _State:
        return _tools_node(state, runtime.context)

    def after(state: _State) -> str:
        return (
            END if state.stop else ("tools" if state.messages[-1].role == "assistant" else "model")
        )

    graph = StateGraph(_State, context_schema=AgentContext)
    graph.add_node("model", model)
    graph.add_node("tools", tools)
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", after, ["tools", "model", END])
    graph.add_conditional_edges("tools", lambda s: END if s.stop else "model", ["model", END])
    # An agent run is one workflow step: restarted whole, never resumed mid-way from a checkpoint
    # inherited from the workflow (its workspace and journal start afresh with it).
    return graph.compile(checkpointer=False)


def run_agent(system_prompt: str, task: str, context: AgentContext) -> AgentRun:
    """Run the agent loop until it calls done or reaches a limit."""
    state = _State(messages=[Message.system(system_prompt), Message.user(task)])
    limit = 3 * context.limits.max_turns + 10
    final = _graph().invoke(state, context=context, config={"recursion_limit": limit})
    if isinstance(final, dict):
        final = _State(**final)
    return AgentRun(
        role=context.role,
        model=context.model.id,
        stop_reason=final.stop or "max_turns",
        turns=final.turns,
        usage=final.usage,
        duration_s=time.monotonic() - final.started,
        sandbox_s=context.toolbox.sandbox_seconds,
        tool_errors=final.tool_errors,
        error=final.error,
        summary=final.summary,
        replies=final.replies,
    )
