"""JSON actions: how a model without native tool calling acts through the same tools.

The model emits one JSON object per turn, `{"tool": NAME, "arguments": {...}}`, constrained by a
schema (and, for llama.cpp, a grammar) built from the tool specs. These are pure functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from agents._errors import ActionParseError
from agents.models._types import RawReply, ToolCall, ToolSpec


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """An object schema that forbids properties it does not list, so a grammar stays tight."""
    if schema.get("type") == "object" and "additionalProperties" not in schema:
        return {**schema, "additionalProperties": False}
    return schema


def action_schema(tools: list[ToolSpec]) -> dict[str, Any]:
    """The JSON schema of one action: exactly one of the tools, with its arguments."""
    if not tools:
        raise ValueError("action_schema needs at least one tool")
    variants = [
        {
            "type": "object",
            "properties": {
                "tool": {"const": tool.name},
                "arguments": _closed(tool.parameters),
            },
            "required": ["tool", "arguments"],
            "additionalProperties": False,
        }
        for tool in tools
    ]
    return variants[0] if len(variants) == 1 else {"oneOf": variants}


def action_instructions(tools: list[ToolSpec]) -> str:
    """Plain-text description of the tools and of the reply format, for the prompt."""
    lines = [
        "You act by replying with exactly one JSON object:",
        '{"tool": NAME, "arguments": {...}}',
        # Small models write code's double quotes raw, which ends the JSON string (under a
        # grammar, the file is cut there); asked like this, Qwen2.5-Coder 1.5B writes whole files.
        'Inside a JSON string, write a newline as \\n and a double quote as \\"; '
        "in Python code, prefer single quotes (').",
        "",
    ]
    lines.append("Tools:")
    for tool in tools:
        params = json.dumps(tool.parameters.get("properties", {}), sort_keys=True)
        lines.append(f"- {tool.name}: {tool.description} Arguments: {params}")
    # Small base models imitate what they see: one complete example anchors the format.
    lines += ["", f"Example: {json.dumps(_example(tools[0]))}"]
    return "\n".join(lines)


def _example(tool: ToolSpec) -> dict[str, Any]:
    """A well-formed action for `tool`: each argument's first schema example, else a placeholder."""
    placeholders = {"string": "...", "integer": 1, "number": 1.0, "boolean": True, "array": []}
    properties = tool.parameters.get("properties", {})
    arguments = {
        name: (schema.get("examples") or [placeholders.get(schema.get("type", "string"), "...")])[0]
        for name, schema in properties.items()
        if name in tool.parameters.get("required", [])
    }
    return {"tool": tool.name, "arguments": arguments}


def render_action(call: ToolCall) -> str:
    """A tool call written back as the JSON action the model would have emitted."""
    return json.dumps({"tool": call.name, "arguments": call.arguments}, sort_keys=True)


def lenient_json(text: str) -> Any:
    """`json.loads` that lets raw control characters (a newline, a tab) through inside strings.

    Grammar-constrained and free generations both emit them in code-holding strings.
    """
    return json.loads(text, strict=False)


def parse_action(text: str, tools: list[ToolSpec], call_id: str) -> ToolCall:
    """Parse one JSON action; raise ActionParseError naming what is wrong."""
    try:
        data = lenient_json(text)
    except json.JSONDecodeError as exc:
        raise ActionParseError(f"the reply is not JSON ({exc.msg}): {text[:200]!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("tool"), str):
        raise ActionParseError(
            f'the reply must be {{"tool": NAME, "arguments": {{...}}}}: {text[:200]!r}'
        )
    return _checked_call(data["tool"], data.get("arguments", {}), tools, call_id)


def parse_reply_action(reply: RawReply, tools: list[ToolSpec], call_id: str) -> ToolCall:
    """`parse_action` on a provider's reply: the error keeps the reply (its usage counts), and
    a reply cut at its token limit says so, since the fix is a shorter action, not valid JSON."""
    try:
        return parse_action(reply.text, tools, call_id)
    except ActionParseError as exc:
        message = str(exc)
        if reply.stop_reason == "max_tokens":
            message = (
                f"the reply reached its limit of {reply.output_tokens} tokens before its action "
                "was complete, so nothing was done; act again with a shorter action (write a "
                "smaller file, or split the code across several files)"
            )
        raise ActionParseError(message, reply=reply) from exc


def _checked_call(name: str, arguments: Any, tools: list[ToolSpec], call_id: str) -> ToolCall:
    """A call of a known tool with an arguments object holding the required arguments."""
    by_name = {tool.name: tool for tool in tools}
    spec = by_name.get(name)
    if spec is None:
        raise ActionParseError(f"unknown tool {name!r}; known: {', '.join(sorted(by_name))}")
    if not isinstance(arguments, dict):
        raise ActionParseError(f"arguments of {spec.name} must be an object, got {arguments!r}")
    missing = [k for k in spec.parameters.get("required", []) if k not in arguments]
    if missing:
        raise ActionParseError(f"{spec.name} is missing required arguments: {', '.join(missing)}")
    return ToolCall(id=call_id, name=spec.name, arguments=arguments)


_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)


class TaggedCalls(NamedTuple):
    """A reply in the Hermes/Qwen tool-call format, split into its prose and its calls."""

    text: str
    """The reply without its <tool_call> blocks, stripped."""
    calls: list[ToolCall]
    """The calls, in order."""


def parse_tagged_calls(text: str, tools: list[ToolSpec], new_id: Callable[[], str]) -> TaggedCalls:
    """Tool calls written as `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`.

    This is the format of Qwen's (and Hermes') chat templates, which servers without a
    tool-call parser return as plain text. Read leniently: a last block that lost its closing
    tag, a reply that is the call alone (bare or in a code fence) and doubled braces still
    count; a block that does not parse is an ActionParseError naming it.
    """
    calls: list[ToolCall] = []
    blocks = _TOOL_CALL.findall(text)
    bare = _unfenced(text)
    if not blocks and _bare_call(bare):  # the call without its tags
        blocks, text = [bare], ""
    for block in blocks:
        data = _tool_call_json(block)
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise ActionParseError(
                f'a <tool_call> must be {{"name": NAME, "arguments": {{...}}}}: {block[:200]!r}'
            )
        arguments = data.get("arguments", {})
        if isinstance(arguments, str):  # some models write the arguments as a JSON string
            try:
                arguments = lenient_json(arguments)
            except json.JSONDecodeError:
                pass
        calls.append(_checked_call(data["name"], arguments, tools, new_id()))
    prose = _TOOL_CALL.sub("", text).strip()
    return TaggedCalls(prose, calls)


_FENCE = re.compile(r"^```[A-Za-z]*\n(.*)\n```$", re.DOTALL)


def _unfenced(text: str) -> str:
    """The reply without a Markdown code fence around all of it."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    return fenced.group(1).strip() if fenced else stripped


def _bare_call(text: str) -> bool:
    """Whether `text` is one `{"name": ..., "arguments": ...}` object."""
    if not (text.startswith("{") and text.endswith("}")):
        return False
    try:
        data = _tool_call_json(text)
    except ActionParseError:
        return False
    return isinstance(data, dict) and "name" in data and "arguments" in data


def _tool_call_json(block: str) -> Any:
    """A <tool_call> block's JSON; braces doubled as in a format-string example are undone."""
    while True:
        try:
            return lenient_json(block)
        except json.JSONDecodeError as exc:
            if not (block.startswith("{{") and block.endswith("}}")):
                why = f"a <tool_call> is not JSON ({exc.msg}): {block[:200]!r}"
                raise ActionParseError(why) from exc
            block = block[1:-1]
