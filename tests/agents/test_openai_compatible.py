"""`openai-compatible/...` against the ways real self-hosted servers differ, on a fake server.

llama-cpp-python's server (0.3.36) reads `max_tokens` but not `max_completion_tokens`, answers
HTTP 500 to `response_format: json_schema` (it takes `json_object` with a `schema`), returns
tool calls as text in the model's own format, and keeps generating a reply whose client gave up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents import (
    ActionParseError,
    AgentContext,
    AgentLimits,
    ModelError,
    Toolbox,
    Workspace,
    run_agent,
)
from agents.models import GenerateConfig, Message, RetryPolicy, get_model
from agents.models._langchain import ServerSpeed
from sandbox import get_sandbox
from tests.agents import fake_llm_server as fake
from tests.agents.fake_llm_server import FakeLLMServer
from tests.agents.tools import DONE, WRITE_FILE

FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff_s=0.01, jitter=0.0)
ACTION = '{"tool": "write_file", "arguments": {"path": "a.py", "content": "x = 1"}}'
# What llama-cpp-python's server answers to a json_schema response format.
REJECTED = {
    "error": {
        "message": "1 validation error: {'type': 'literal_error', 'loc': ('body', "
        "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\"}",
        "type": "internal_server_error",
    }
}


def _model(server: FakeLLMServer, **options: Any) -> Any:
    return get_model(
        "openai-compatible/qwen", base_url=f"{server.url}/v1", retry=FAST_RETRY, **options
    )


def test_the_token_limit_goes_by_the_name_every_server_reads(server: FakeLLMServer) -> None:
    server.queue(fake.openai_text("hi"))
    _model(server).generate([Message.user("hi")], config=GenerateConfig(max_output_tokens=77))
    body = server.requests[0].body
    assert body["max_tokens"] == 77 and body["max_completion_tokens"] == 77


def test_json_mode_falls_back_to_json_object_once_and_remembers(server: FakeLLMServer) -> None:
    server.queue(REJECTED, status=500)
    server.queue(fake.openai_text(ACTION))
    server.queue(fake.openai_text(ACTION))
    model = _model(server, tool_mode="json")
    for _ in range(2):
        [call] = model.generate([Message.user("Write a.py")], tools=[WRITE_FILE]).tool_calls
        assert call.arguments == {"path": "a.py", "content": "x = 1"}
    formats = [r.body["response_format"] for r in server.requests]
    assert [f["type"] for f in formats] == ["json_schema", "json_object", "json_object"]
    assert formats[1]["schema"]["properties"]["tool"] == {"const": "write_file"}
    # Another model on the same server starts with what works there.
    server.queue(fake.openai_text(ACTION))
    _model(server, tool_mode="json").generate([Message.user("again")], tools=[WRITE_FILE])
    assert server.requests[-1].body["response_format"]["type"] == "json_object"


def test_other_server_errors_in_json_mode_are_not_taken_for_a_format_problem(
    server: FakeLLMServer,
) -> None:
    for _ in range(3):
        server.queue(fake.openai_error("api_error"), status=500)
    with pytest.raises(ModelError, match="HTTP 500"):
        _model(server, tool_mode="json").generate([Message.user("go")], tools=[WRITE_FILE])
    assert {r.body["response_format"]["type"] for r in server.requests} == {"json_schema"}


def test_a_timed_out_request_is_not_sent_again(server: FakeLLMServer) -> None:
    server.queue(fake.openai_text("too late"), delay_s=2.0)
    server.queue(fake.openai_text("a retry would get this"))
    model = _model(server)
    with pytest.raises(ModelError, match=r"no reply within 0\.5 s; not retried") as info:
        model.generate([Message.user("hi")], config=GenerateConfig(timeout_s=0.5))
    assert info.value.retries == 0
    assert len(server.requests) == 1


def test_max_tokens_shrink_to_what_the_server_can_generate_in_time(
    server: FakeLLMServer,
) -> None:
    # 64 tokens in more than half a second: at most 128 tokens/s, so 1 s fits less than 128.
    server.queue(fake.openai_text("slow", completion_tokens=64), delay_s=0.5)
    server.queue(fake.openai_text("fits"))
    model = _model(server)
    config = GenerateConfig(max_output_tokens=1000, timeout_s=1.0)
    model.generate([Message.user("one")], config=config)
    model.generate([Message.user("two")], config=config)
    assert [r.body["max_tokens"] for r in server.requests] == [1000, 64]


def test_server_speed_fits_the_timeout() -> None:
    speed = ServerSpeed()
    config = GenerateConfig(max_output_tokens=4096, timeout_s=60)
    assert speed.fit(config) is config  # nothing learnt yet
    speed.observe(10, 1.0)  # too short to say anything about speed
    assert speed.tokens_per_s is None
    speed.observe(400, 50.0)  # 8 tokens/s, a 1.5B model on 2 CPU cores
    assert speed.fit(config).max_output_tokens == 384  # 8 x 60 x 0.8 = 384
    assert speed.fit(GenerateConfig(max_output_tokens=256, timeout_s=60)).max_output_tokens == 256


def test_native_tool_calls_returned_as_text_are_read(server: FakeLLMServer) -> None:
    text = 'On it.\n<tool_call>\n{"name": "done", "arguments": {"summary": "ok"}}\n</tool_call>'
    server.queue(fake.openai_text(text))
    reply = _model(server).generate([Message.user("finish")], tools=[WRITE_FILE, DONE])
    assert reply.text == "On it."
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("done", {"summary": "ok"})]
    assert reply.stop_reason == "tool_calls"
    assert "tools" in server.requests[0].body


def test_a_call_read_from_text_goes_back_as_that_text(server: FakeLLMServer) -> None:
    text = '<tool_call>\n{"name": "done", "arguments": {"summary": "ok"}}\n</tool_call>'
    server.queue(fake.openai_text(text))
    server.queue(fake.openai_text("bye"))
    model = _model(server)
    first = model.generate([Message.user("finish")], tools=[DONE])
    [call] = first.tool_calls
    conversation = [Message.user("finish"), first.as_message(), Message.tool("finished", call.id)]
    model.generate(conversation, tools=[DONE])
    assistant = server.requests[1].body["messages"][1]
    # No structured call the server would refuse (it wants content), and the same prompt text.
    assert assistant == {"role": "assistant", "content": text}


def _cut_reply(tokens: int) -> dict[str, Any]:
    """A JSON action that reached the token limit mid-string, as a CPU server returns it."""
    body = fake.openai_text(ACTION[:40], completion_tokens=tokens)
    body["choices"][0]["finish_reason"] = "length"
    return body


def test_a_cut_action_says_it_hit_the_token_limit_and_keeps_its_usage(
    server: FakeLLMServer,
) -> None:
    server.queue(_cut_reply(64))
    model = _model(server, tool_mode="json")
    with pytest.raises(ActionParseError, match="reached its limit of 64 tokens") as info:
        model.generate([Message.user("Write a.py")], tools=[WRITE_FILE])
    assert info.value.usage is not None and info.value.usage.output_tokens == 64
    # The call is logged like any reply: a budget sums what the model wrote, parsed or not.
    assert [c.output_tokens for c in model.calls] == [64]


def test_an_agent_charges_its_unparsed_replies_to_its_limits(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    server.queue(_cut_reply(64))
    server.queue(fake.openai_text('{"tool": "done", "arguments": {"summary": "ok"}}', 12, 9))
    context = AgentContext(
        role="builder",
        model=_model(server, tool_mode="json"),
        toolbox=Toolbox(Workspace(tmp_path / "ws"), get_sandbox("local")),
        limits=AgentLimits(),
        transcript=tmp_path / "transcript.jsonl",
    )
    run = run_agent("system", "task", context)
    assert (run.stop_reason, run.tool_errors, run.usage.output_tokens) == ("done", 1, 64 + 9)
    first = json.loads((tmp_path / "transcript.jsonl").read_text().splitlines()[0])
    assert first["unparsed_text"] == ACTION[:40] and first["usage"]["output_tokens"] == 64
