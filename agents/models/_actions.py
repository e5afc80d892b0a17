"""JSON actions: how a model without native tool calling acts through the same tools.

The model emits one JSON object per turn, `{"tool": NAME, "arguments": {...}}`, constrained by a
schema (and, for llama.cpp, a grammar) built from the tool specs. These are pure functions.
"""

from __future__ import annotations

import json
from typing import Any

from agents._errors import ActionParseError
from agents.models._types import ToolCall, ToolSpec


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


def parse_action(text: str, tools: list[ToolSpec], call_id: str) -> ToolCall:
    """Parse one JSON action; raise ActionParseError naming what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ActionParseError(f"the reply is not JSON ({exc.msg}): {text[:200]!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("tool"), str):
        raise ActionParseError(
            f'the reply must be {{"tool": NAME, "arguments": {{...}}}}: {text[:200]!r}'
        )
    by_name = {tool.name: tool for tool in tools}
    spec = by_name.get(data["tool"])
    if spec is None:
        raise ActionParseError(
            f"unknown tool {data['tool']!r}; known: {', '.join(sorted(by_name))}"
        )
    arguments = data.get("arguments", {})
    if not isinstance(arguments, dict):
        raise ActionParseError(f"arguments of {spec.name} must be an object, got {arguments!r}")
    missing = [k for k in spec.parameters.get("required", []) if k not in arguments]
    if missing:
        raise ActionParseError(f"{spec.name} is missing required arguments: {', '.join(missing)}")
    return ToolCall(id=call_id, name=spec.name, arguments=arguments)
