"""Reading tool calls leniently from text: JSON actions and Qwen's `<tool_call>` blocks (pure)."""

from __future__ import annotations

import itertools

import pytest

from agents import ActionParseError
from agents.models import parse_action
from agents.models._actions import parse_tagged_calls
from tests.agents.tools import DONE, WRITE_FILE

TOOLS = [WRITE_FILE, DONE]


def _ids() -> itertools.count[int]:
    return itertools.count(1)


def _parse(text: str) -> tuple[str, list[tuple[str, dict[str, object]]]]:
    counter = _ids()
    parsed = parse_tagged_calls(text, TOOLS, lambda: f"call_{next(counter)}")
    return parsed.text, [(c.name, c.arguments) for c in parsed.calls]


def test_a_json_action_with_raw_control_characters_in_a_string_parses() -> None:
    # What llama.cpp's JSON-schema grammar let through: a raw newline and tab inside "content".
    text = (
        '{"tool": "write_file", "arguments": {"path": "a.py", "content": "def f():\n\treturn 1"}}'
    )
    call = parse_action(text, TOOLS, "call_1")
    assert call.arguments["content"] == "def f():\n\treturn 1"


def test_tagged_calls_with_prose_around_them() -> None:
    text = (
        "I will write the module.\n<tool_call>\n"
        '{"name": "write_file", "arguments": {"path": "a.py", "content": "x = 1\n"}}\n'
        "</tool_call>\n<tool_call>\n"
        '{"name": "done", "arguments": {"summary": "wrote a.py"}}\n</tool_call>'
    )
    prose, calls = _parse(text)
    assert prose == "I will write the module."
    assert calls == [
        ("write_file", {"path": "a.py", "content": "x = 1\n"}),
        ("done", {"summary": "wrote a.py"}),
    ]


@pytest.mark.parametrize(
    "text",
    [
        # the closing tag lost at the end of the reply
        '<tool_call>\n{"name": "done", "arguments": {"summary": "ok"}}',
        # braces doubled, as in a format-string example the model copied
        '<tool_call>\n{{"name": "done", "arguments": {"summary": "ok"}}}\n</tool_call>',
        # the arguments as a JSON string
        '<tool_call>{"name": "done", "arguments": "{\\"summary\\": \\"ok\\"}"}</tool_call>',
        # no tags at all, bare or in a Markdown fence
        '{"name": "done", "arguments": {"summary": "ok"}}',
        '```json\n{\n  "name": "done",\n  "arguments": {"summary": "ok"}\n}\n```',
    ],
    ids=["unclosed", "doubled-braces", "string-arguments", "bare", "fenced"],
)
def test_lenient_forms_of_one_call(text: str) -> None:
    prose, calls = _parse(text)
    assert (prose, calls) == ("", [("done", {"summary": "ok"})])


def test_prose_alone_has_no_calls() -> None:
    assert _parse("I am not sure what to do.") == ("I am not sure what to do.", [])
    assert _parse('{"summary": "not a call"}') == ('{"summary": "not a call"}', [])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<tool_call>\n{not json}\n</tool_call>", "a <tool_call> is not JSON"),
        ('<tool_call>{"tool": "done"}</tool_call>', 'must be {"name": NAME'),
        ('<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>', "unknown tool 'rm_rf'"),
        ('<tool_call>{"name": "write_file", "arguments": {"path": "a"}}</tool_call>', "content"),
    ],
)
def test_a_broken_call_says_what_is_wrong(text: str, error: str) -> None:
    with pytest.raises(ActionParseError, match=error.replace("{", r"\{")):
        _parse(text)
