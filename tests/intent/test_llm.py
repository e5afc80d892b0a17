"""Typed model calls: the tool schema a grammar is built from, lenient reading of replies, and
the transcript line every call leaves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agents.models import Message, MockModel, ModelResponse, ToolCall
from intent import ClusterName, Facets
from intent._llm import Caller, Recorder, parse_reply, tool_schema
from intent._schemas import HiddenSpec, PairVerdict


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node] + [n for v in node.values() for n in _walk(v)]
    if isinstance(node, list):
        return [n for v in node for n in _walk(v)]
    return []


def test_the_tool_schema_is_flat_closed_and_has_no_length_bounds() -> None:
    schema = tool_schema(HiddenSpec)
    nodes = _walk(schema)
    assert "$defs" not in json.dumps(schema) and "$ref" not in json.dumps(schema)
    assert all("title" not in n and "maxLength" not in n for n in nodes)
    objects = [n for n in nodes if n.get("type") == "object"]
    assert len(objects) == 2
    assert all(n["additionalProperties"] is False and n["required"] for n in objects)


def test_a_property_called_description_survives_the_cleaning() -> None:
    assert set(tool_schema(ClusterName)["properties"]) == {"name", "description"}


def _reply(text: str = "", arguments: dict[str, Any] | None = None) -> ModelResponse:
    calls = [ToolCall(id="1", name="facets", arguments=arguments)] if arguments else []
    return ModelResponse(model="mock/x", text=text, tool_calls=calls)


FACETS = {
    "intent": "plan a trip",
    "domain": "travel",
    "task": "Plan",
    "stated": ["Location", "nonsense"],
    "missing": "date, budget",
    "output": "itinerary",
    "ambiguity": "VAGUE",
    "needs_clarification": True,
}


def test_facets_are_read_leniently_from_a_tool_call() -> None:
    facets = parse_reply(_reply(arguments=FACETS), Facets)
    assert facets is not None
    assert facets.task == "plan" and facets.output == "other" and facets.ambiguity == "vague"
    assert facets.stated == ["location"] and facets.missing == ["date", "budget"]


def test_json_in_text_and_a_json_action_in_text_are_read() -> None:
    prose = f"Here you go:\n```json\n{json.dumps(FACETS)}\n```"
    assert parse_reply(_reply(prose), Facets) is not None
    action = json.dumps({"tool": "facets", "arguments": FACETS})
    assert parse_reply(_reply(action), Facets) is not None


def test_a_reply_that_does_not_fit_is_none() -> None:
    assert parse_reply(_reply("I cannot help with that."), Facets) is None
    assert parse_reply(_reply('{"better": "C"}'), PairVerdict) is None
    assert parse_reply(_reply('{"better": "tie."}'), PairVerdict) == PairVerdict(better="tie")


def test_every_call_is_recorded_and_a_failed_parse_is_counted(tmp_path: Path) -> None:
    model = MockModel("x", ["not json", {"tool_calls": [{"name": "facets", "arguments": FACETS}]}])
    caller = Caller(Recorder(tmp_path))
    messages = [Message.system("s"), Message.user("Request: hi")]
    first = caller.ask(
        model, Facets, messages, stage="facets", item="a", tokens=10, description="d"
    )
    second = caller.ask(
        model, Facets, messages, stage="facets", item="b", tokens=10, description="d"
    )
    assert first is None and second is not None
    assert caller.failures == {"facets": 1}
    lines = [json.loads(x) for x in (tmp_path / "facets.jsonl").read_text().splitlines()]
    assert [line["item"] for line in lines] == ["a", "b"]
    assert lines[0]["error"] and lines[1]["error"] is None
    assert lines[0]["messages"][1]["content"] == "Request: hi"
    assert model.requests[0].tools[0].name == "facets"
    assert model.requests[0].config.temperature == 0.0
