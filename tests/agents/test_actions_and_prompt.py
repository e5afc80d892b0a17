"""Pure transforms: JSON-action schema and parsing, completion-prompt rendering."""

from __future__ import annotations

import re

import pytest

from agents import ActionParseError
from agents._tools import FILE_TOOLS
from agents.models import Message, ToolCall, ToolSpec, action_schema, parse_action
from agents.models._actions import action_instructions
from agents.models._prompt import render_completion_prompt, stop_sequences
from tests.agents.tools import WRITE_FILE

WRITE = WRITE_FILE
DONE = ToolSpec(name="done", description="Finish.", parameters={"type": "object", "properties": {}})


def test_action_schema_for_one_tool_is_a_closed_object() -> None:
    schema = action_schema([WRITE])
    assert schema["properties"]["tool"] == {"const": "write_file"}
    assert schema["required"] == ["tool", "arguments"]
    assert schema["properties"]["arguments"]["additionalProperties"] is False
    assert WRITE.parameters.get("additionalProperties") is None  # the spec itself is untouched


def test_action_schema_for_several_tools_is_one_of() -> None:
    schema = action_schema([WRITE, DONE])
    assert [v["properties"]["tool"]["const"] for v in schema["oneOf"]] == ["write_file", "done"]


def test_action_schema_needs_a_tool() -> None:
    with pytest.raises(ValueError):
        action_schema([])


def test_parse_action() -> None:
    call = parse_action(
        '{"tool": "write_file", "arguments": {"path": "a", "content": "b"}}', [WRITE, DONE], "c1"
    )
    assert call == ToolCall(id="c1", name="write_file", arguments={"path": "a", "content": "b"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "must be"),
        ('{"tool": "nope", "arguments": {}}', "unknown tool 'nope'; known: done, write_file"),
        ('{"tool": "write_file", "arguments": []}', "must be an object"),
        (
            '{"tool": "write_file", "arguments": {"path": "a"}}',
            "missing required arguments: content",
        ),
    ],
)
def test_parse_action_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ActionParseError, match=message):
        parse_action(text, [WRITE, DONE], "c1")


GOLDEN_PROMPT = """\
You build software.

You act by replying with exactly one JSON object:
{"tool": NAME, "arguments": {...}}
Inside a JSON string, write a newline as \\n and a double quote as \\"; in Python code, prefer \
single quotes (').

Tools:
- done: Finish. Arguments: {}

Example: {"tool": "done", "arguments": {}}

## Task
Make a.py

## Solution
I will write it.
{"arguments": {}, "tool": "done"}

## Tool result
finished

## Solution
"""


def test_render_completion_prompt_golden() -> None:
    messages = [
        Message.system("You build software."),
        Message.user("Make a.py"),
        Message.assistant("I will write it.", [ToolCall(id="c1", name="done", arguments={})]),
        Message.tool("finished", "c1"),
    ]
    assert render_completion_prompt(messages, [DONE]) == GOLDEN_PROMPT


def test_stop_sequences_end_the_open_turn() -> None:
    prompt = render_completion_prompt([Message.user("hi")])
    assert prompt.endswith("## Solution\n")
    assert "\n## " in stop_sequences()


def test_fit_prompt_drops_the_oldest_turns_first() -> None:
    from agents.models._prompt import fit_prompt

    messages = [Message.system("sys"), Message.user("the task")]
    messages += [Message.user(f"turn {i} " + "x" * 100) for i in range(10)]
    words = len  # one "token" per character keeps the arithmetic visible
    full = render_completion_prompt(messages)
    assert fit_prompt(messages, None, len(full), words) == full
    fitted = fit_prompt(messages, None, 600, words)
    assert len(fitted) <= 600
    assert "sys" in fitted and "the task" in fitted and "turn 9" in fitted
    assert "turn 0" not in fitted and "left out to fit the context window" in fitted


def test_the_example_action_takes_schema_examples_over_placeholders() -> None:
    spec = ToolSpec(
        name="write_file",
        description="Write.",
        parameters={
            "type": "object",
            "properties": {
                "path": {"type": "string", "examples": ["module.py"]},
                "content": {"type": "string"},
            },
            "required": ["path", "content"],
        },
    )
    example = action_instructions([spec]).splitlines()[-1]
    assert example == (
        'Example: {"tool": "write_file", "arguments": {"path": "module.py", "content": "..."}}'
    )


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("module.py", True),
        ("pkg/sub/mod_2.py", True),
        ("...", False),
        ("../original/x.py", False),
        ("/etc/passwd", False),
        (".hidden", False),
        ("pkg//mod.py", False),
        ("pkg/", False),
    ],
)
def test_the_path_argument_pattern_refuses_what_the_workspace_would_refuse(
    path: str, allowed: bool
) -> None:
    # The pattern is part of the tool schema, so the embedded model's grammar cannot emit
    # a path the workspace refuses (it used to copy the placeholder "..." every turn).
    write = next(t for t in FILE_TOOLS if t.name == "write_file")
    pattern = write.parameters["properties"]["path"]["pattern"]
    assert bool(re.fullmatch(pattern, path)) is allowed
