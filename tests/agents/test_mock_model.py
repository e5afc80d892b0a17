"""The mock provider: scripted replies, recorded requests, loud failure when the script runs out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents import ModelError, ScriptExhaustedError
from agents.models import Message, MockModel, ToolSpec, get_model

TOOL = ToolSpec(name="journal", description="Append a journal entry.")


def test_replays_text_and_tool_calls_in_order() -> None:
    model = MockModel(
        "demo",
        ["first", {"tool_calls": [{"name": "journal", "arguments": {"text": "plan"}}]}],
    )
    first = model.generate([Message.user("one two three")])
    second = model.generate([Message.user("again")], tools=[TOOL])
    assert first.text == "first" and first.stop_reason == "stop"
    assert second.stop_reason == "tool_calls"
    assert [(c.name, c.arguments) for c in second.tool_calls] == [("journal", {"text": "plan"})]
    assert second.tool_calls[0].id == "mock_call_1"
    assert model.remaining == 0


def test_records_every_request() -> None:
    model = MockModel("demo", ["a", "b"])
    model.generate([Message.system("sys"), Message.user("hello")], tools=[TOOL])
    model.generate([Message.user("bye")])
    assert [r.messages[-1].content for r in model.requests] == ["hello", "bye"]
    assert model.requests[0].tools == [TOOL]
    assert model.requests[1].tools == []


def test_raises_a_clear_error_when_the_script_runs_out() -> None:
    model = MockModel("demo", ["only"])
    model.generate([Message.user("x")])
    with pytest.raises(ScriptExhaustedError, match="mock/demo: the script ran out after 1 replies"):
        model.generate([Message.user("y")])


def test_callable_script_sees_the_conversation() -> None:
    def echo(messages: list[Message], tools: list[ToolSpec]) -> str:
        return f"{len(messages)} messages, last: {messages[-1].content}, tools: {len(tools)}"

    model = MockModel("echo", echo)
    assert (
        model.generate([Message.user("hi")], tools=[TOOL]).text == "1 messages, last: hi, tools: 1"
    )
    assert model.remaining is None


def test_usage_counts_words_unless_the_script_gives_usage() -> None:
    model = MockModel(
        "demo",
        ["three word reply", {"text": "x", "usage": {"input_tokens": 7, "output_tokens": 9}}],
    )
    counted = model.generate([Message.user("two words")]).usage
    given = model.generate([Message.user("ignored")]).usage
    assert (counted.input_tokens, counted.output_tokens, counted.cost_usd) == (2, 3, 0.0)
    assert (given.input_tokens, given.output_tokens) == (7, 9)
    assert model.usage.calls == 2


def test_scripted_429_is_retried_and_counted() -> None:
    model = MockModel("demo", [{"error": {"status": 429, "retry_after_s": 0}}, "after retry"])
    reply = model.generate([Message.user("x")])
    assert reply.text == "after retry"
    assert reply.usage.retries == 1
    assert len(model.requests) == 2


def test_scripted_client_error_is_not_retried() -> None:
    model = MockModel("demo", [{"error": {"status": 400, "message": "bad request"}}, "never"])
    with pytest.raises(ModelError, match="bad request"):
        model.generate([Message.user("x")])
    assert model.remaining == 1


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_loads_a_script_file_through_get_model(tmp_path: Path, suffix: str) -> None:
    script = tmp_path / f"script{suffix}"
    outputs = {"outputs": ["from file", {"tool_calls": [{"name": "journal", "arguments": {}}]}]}
    script.write_text(json.dumps(outputs))  # JSON is valid YAML too
    model = get_model("mock/filetest", script=script)
    assert model.id == "mock/filetest"
    assert model.generate([Message.user("x")]).text == "from file"
    assert model.generate([Message.user("x")]).tool_calls[0].name == "journal"


def test_a_bad_script_file_names_the_field(tmp_path: Path) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text("outputs: 3\n")
    with pytest.raises(ModelError, match=r"bad.yaml: field 'outputs': expected a list"):
        MockModel.from_file(script)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("- txt: hello\n", r"outputs\[0\]\.txt: Extra inputs are not permitted; fix: remove it"),
        ("- hi\n- tool_calls: [{arguments: {}}]\n", r"outputs\[1\]\.tool_calls\.0\.name: Field"),
        ("- 42\n", r"outputs\[0\]: expected a text or a mapping, got int"),
        ("- {delay_s: -1}\n", r"outputs\[0\]\.delay_s: Input should be greater than or equal"),
        ("- [unclosed\n", r"bad.yaml: line 2, column 1: .*; fix: correct the YAML syntax"),
    ],
)
def test_a_malformed_reply_in_a_script_file_is_named_on_one_line(
    tmp_path: Path, script: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(script)
    with pytest.raises(ModelError, match=message) as info:
        MockModel.from_file(path)
    assert "\n" not in str(info.value)


def test_a_mock_without_a_script_says_how_to_give_it_one() -> None:
    with pytest.raises(ScriptExhaustedError, match="mock/demo: has no script; fix: give it one"):
        MockModel("demo").generate([Message.user("x")])


def test_a_rate_limit_lowers_the_providers_adaptive_limit() -> None:
    from agents.models import default_registry

    model = MockModel("limited", [{"error": {"status": 429, "retry_after_s": 0}}, "ok"])
    limiter = model.limiter
    assert limiter is not None and limiter is default_registry().for_provider("mock")
    before = limiter.snapshot().decreases
    assert model.generate([Message.user("x")]).text == "ok"
    assert limiter.snapshot().decreases == before + 1
    assert limiter.in_flight == 0


def test_the_local_model_has_no_adaptive_limiter() -> None:
    from agents.models._local import LocalModel

    assert LocalModel.rate_limited is False


def test_simulated_failures_are_reproducible_wherever_the_script_lives() -> None:
    def pattern(name: str) -> list[int]:
        model = MockModel(name, lambda messages, tools: "ok", fail_rate=0.5)
        model.retry = model.retry.__class__(max_attempts=1)
        outcomes = []
        for _ in range(12):
            try:
                model.generate([Message.user("x")])
                outcomes.append(1)
            except ModelError as exc:
                assert exc.status_code == 429
                outcomes.append(0)
        return outcomes

    first = pattern("runs/a/flaky.yaml")
    assert first == pattern("elsewhere/flaky.yaml")
    assert 0 < sum(first) < 12
