"""The model-driven web agent: any of our models in the same agent loop as the builder
(`agents.run_agent`, its limits and transcripts), with browser actions as its tools.

It sees a simplified DOM with element ids (see _observe) and acts with goto, click, type,
select, submit, back and done; a model fault wraps its model (see _model_faults).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from agents import AgentContext, AgentLimits, ModelError, ToolResult, run_agent
from agents.models import Model, ToolCall, ToolSpec
from chaos._actions import BrowserTools
from chaos._agents import Claim, Outcome
from chaos._faults import WebFault
from chaos._model_faults import FaultyModel, with_model_fault
from chaos._observe import Observation
from chaos._tasks import WebTask

OBSERVATION_CHARS = 3000
"""Longest page text handed to the model in one tool result."""
SYSTEM_PROMPT = """\
You are a web agent using a browser on the Chaos Shop website. Call exactly one tool per turn.
The page is shown as lines; each element you can act on has a number in [brackets]: pass that
number as `id`. Tools: goto(url) opens a path such as /catalog; click(id); type(id, text)
fills a field; select(id, option) picks an option of a drop-down; submit(id) presses Enter in
a field; back(); done(status, answer, reason) ends the task.
When the task is done or you have the answer, call done with status "success" and the answer.
If the site says it needs JavaScript or cookies, or keeps failing, call done with status
"blocked" or "failure" and say why in reason. Never say success unless the page showed it."""


def _id_arg() -> dict[str, Any]:
    return {"type": "string", "pattern": "^[0-9]{1,4}$", "description": "The number in [brackets]."}


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _spec(name: str, description: str, required: list[str], **props: dict[str, Any]) -> ToolSpec:
    schema = {"type": "object", "properties": props, "required": required}
    return ToolSpec(name=name, description=description, parameters=schema)


TOOLS = (
    _spec("goto", "Open a page of the shop.", ["url"], url=_text("A path such as /catalog.")),
    _spec("click", "Click a link or button.", ["id"], id=_id_arg()),
    _spec("type", "Type text into a field.", ["id", "text"], id=_id_arg(), text=_text("Text.")),
    _spec(
        "select",
        "Choose an option of a drop-down.",
        ["id", "option"],
        id=_id_arg(),
        option=_text("The option's text."),
    ),
    _spec("submit", "Press Enter in a field (submits its form).", ["id"], id=_id_arg()),
    _spec("back", "Go back one page.", []),
    _spec(
        "done",
        "End the task.",
        ["status", "answer"],
        status={"type": "string", "enum": ["success", "failure", "blocked"]},
        answer=_text("The answer, or what was done."),
        reason=_text("Why it failed or was blocked (empty on success)."),
    ),
)


class BrowserToolbox:
    """The browser as the agent loop's tools (an agents.ToolProvider)."""

    def __init__(self, tools: BrowserTools) -> None:
        self.tools = tools
        self.deadline: float | None = None
        self.sandbox_seconds = 0.0
        self.done: dict[str, Any] | None = None
        """The arguments of the agent's done call, once it made one."""

    def specs(self) -> list[ToolSpec]:
        """goto, click, type, select, submit, back and done."""
        return list(TOOLS)

    def call(self, call: ToolCall) -> ToolResult:
        """One browser action; its result is the outcome and the page after it."""
        if call.name == "done":
            self.done = dict(call.arguments)
            return ToolResult("finished", done=True)
        if call.name not in {spec.name for spec in TOOLS}:
            return ToolResult(f"error: unknown tool {call.name!r}", error=True)
        result = self.tools.act(call.name, **call.arguments)
        return ToolResult(result.text[:OBSERVATION_CHARS], error=not result.ok)


class LlmAgent:
    """A model acting in the browser through the agent loop."""

    def __init__(
        self,
        name: str,
        model: Callable[[], Model],
        *,
        max_steps: int = 10,
        timeout_s: float = 300.0,
        tokens_per_turn: int = 200,
        transcripts: Path | None = None,
    ) -> None:
        self.name = name
        self.make_model = model
        """Builds the model (once per episode: a fault wraps it afresh)."""
        self.max_steps = max_steps
        self.timeout_s = timeout_s
        self.tokens_per_turn = tokens_per_turn
        self.transcripts = transcripts
        """Folder for one transcript per episode (None: none written)."""
        self.fault: WebFault | None = None
        self.seed = "0"
        self.model_fired = 0
        """Calls the episode's model fault spoiled (read by the episode after run)."""

    def prepare(self, fault: WebFault | None, seed: str) -> None:
        """Set the next episode's fault and seed (a model fault wraps the model)."""
        self.fault, self.seed, self.model_fired = fault, seed, 0

    def run(self, task: WebTask, tools: BrowserTools, first: Observation) -> Outcome:
        """Let the model act until it calls done or a limit stops it."""
        model = with_model_fault(self.make_model(), self.fault, self.seed)
        toolbox = BrowserToolbox(tools)
        limits = AgentLimits(
            max_turns=self.max_steps,
            max_output_tokens=self.max_steps * self.tokens_per_turn,
            timeout_s=self.timeout_s,
            tokens_per_turn=self.tokens_per_turn,
        )
        context = AgentContext(
            role=f"web:{self.name}",
            model=model,
            toolbox=toolbox,
            limits=limits,
            transcript=self._transcript(task),
            seed=_seed_number(self.seed),
        )
        user = f"Task: {task.intent}\n\nThe page now:\n{first.text[:OBSERVATION_CHARS]}"
        try:
            run = run_agent(SYSTEM_PROMPT, user, context)
        except ModelError as exc:  # an outage that outlived the model's retries
            self.model_fired = model.fired if isinstance(model, FaultyModel) else 0
            return Outcome("failure", reason=str(exc), stop="model_error", error=str(exc))
        self.model_fired = model.fired if isinstance(model, FaultyModel) else 0
        done = toolbox.done or {}
        status = done.get("status")
        claim: Claim = (
            "success" if status == "success" else "blocked" if status == "blocked" else "failure"
        )
        return Outcome(
            claim=claim,
            answer=str(done.get("answer", "")),
            reason=str(done.get("reason", "")) or (run.error or ""),
            stop=run.stop_reason,
            usage=run.usage,
            error=run.error if run.stop_reason == "model_error" else None,
        )

    def _transcript(self, task: WebTask) -> Path | None:
        if self.transcripts is None:
            return None
        self.transcripts.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{task.id}-{self.seed}")
        condition = "baseline" if self.fault is None else self.fault.name.replace(" ", "_")
        path = self.transcripts / f"{self.name}-{condition}-{safe}.jsonl"
        path.unlink(missing_ok=True)
        return path


def _seed_number(seed: str) -> int:
    return sum(ord(c) * (i + 1) for i, c in enumerate(seed)) % 100_000
