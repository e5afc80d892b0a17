"""Rendering a conversation as a completion prompt, for models without chat tuning (pure)."""

from __future__ import annotations

from agents.models._actions import action_instructions, render_action
from agents.models._types import Message, ToolSpec

TURN_MARK = "## "
"""Every turn starts with this mark on a line of its own; it doubles as the stop sequence."""

# A base model continues documents, not chats. Under "User"/"Assistant" headings Gemma 3 270M
# echoed the request; under "Task"/"Solution" it answered with code.
_HEADINGS = {"user": "Task", "assistant": "Solution", "tool": "Tool result"}


def render_completion_prompt(messages: list[Message], tools: list[ToolSpec] | None = None) -> str:
    """A plain transcript ending in an open assistant turn, for a base (completion) model."""
    parts: list[str] = []
    system = "\n\n".join(m.content for m in messages if m.role == "system" and m.content)
    if system:
        parts.append(system)
    if tools:
        parts.append(action_instructions(tools))
    for message in messages:
        if message.role != "system":
            parts.append(_render_turn(message))
    parts.append(f"{TURN_MARK}{_HEADINGS['assistant']}\n")
    return "\n\n".join(parts)


def _render_turn(message: Message) -> str:
    body = message.content
    if message.tool_calls:
        calls = "\n".join(render_action(call) for call in message.tool_calls)
        body = f"{body}\n{calls}" if body else calls
    return f"{TURN_MARK}{_HEADINGS[message.role]}\n{body}"


def stop_sequences() -> list[str]:
    """Stop generation where the model would start the next turn."""
    return [f"\n{TURN_MARK}", "<end_of_turn>", "<eos>"]
