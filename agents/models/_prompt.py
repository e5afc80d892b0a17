"""Rendering a conversation as a completion prompt, for models without chat tuning (pure)."""

from __future__ import annotations

from collections.abc import Callable

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


Render = Callable[[list[Message], list[ToolSpec] | None], str]


def fit_prompt(
    messages: list[Message],
    tools: list[ToolSpec] | None,
    budget: int,
    count: Callable[[str], int],
    render: Render = render_completion_prompt,
) -> str:
    """The longest prompt within `budget` tokens: the oldest turns go first.

    The system message and the first user message (the task) always stay, and so does the
    latest turn; a note marks where turns were left out. Until the conversation outgrows the
    budget, each turn's prompt extends the previous one, so llama.cpp reuses its cached prefix.
    """
    prompt = render(messages, tools)
    if count(prompt) <= budget:
        return prompt
    head = [m for m in messages[:2]]
    rest = list(messages[2:])
    while len(rest) > 1:
        rest.pop(0)
        while len(rest) > 1 and rest[0].role == "tool":  # a result without its call goes too
            rest.pop(0)
        note = Message.user("(earlier turns left out to fit the context window)")
        prompt = render([*head, note, *rest], tools)
        if count(prompt) <= budget:
            return prompt
    return prompt


def stop_sequences() -> list[str]:
    """Stop generation where the model would start the next turn."""
    return [f"\n{TURN_MARK}", "<end_of_turn>", "<eos>"]
