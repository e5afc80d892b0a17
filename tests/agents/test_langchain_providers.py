"""The LangChain-backed providers against a fake OpenAI/Anthropic server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from agents import ModelError, PrerequisiteError
from agents.models import GenerateConfig, Message, Model, RetryPolicy, get_model
from tests.agents import fake_llm_server as fake
from tests.agents.fake_llm_server import FakeLLMServer
from tests.agents.tools import WRITE_FILE


@dataclass
class Flavor:
    """How one provider is reached and what its wire format looks like."""

    model: str
    key_var: str
    base_url: Callable[[FakeLLMServer], str]
    path: str
    text: Callable[..., dict[str, Any]]
    tool_call: Callable[..., dict[str, Any]]
    error: Callable[[str], dict[str, Any]]


OPENAI = Flavor(
    "openai/gpt-4.1",
    "OPENAI_API_KEY",
    lambda s: f"{s.url}/v1",
    "/v1/chat/completions",
    fake.openai_text,
    fake.openai_tool_call,
    fake.openai_error,
)
ANTHROPIC = Flavor(
    "anthropic/claude-sonnet-4-6",
    "ANTHROPIC_API_KEY",
    lambda s: s.url,
    "/v1/messages",
    fake.anthropic_text,
    fake.anthropic_tool_call,
    fake.anthropic_error,
)
COMPATIBLE = Flavor(
    "openai-compatible/qwen-test",
    "OPENAI_COMPATIBLE_API_KEY",
    lambda s: f"{s.url}/v1",
    "/v1/chat/completions",
    fake.openai_text,
    fake.openai_tool_call,
    fake.openai_error,
)
FLAVORS = pytest.mark.parametrize("flavor", [OPENAI, ANTHROPIC, COMPATIBLE], ids=lambda f: f.model)

FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff_s=0.01, jitter=0.0)


def make(
    flavor: Flavor, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> Model:
    monkeypatch.setenv(flavor.key_var, "sk-test-123")
    return get_model(flavor.model, base_url=flavor.base_url(server), retry=FAST_RETRY, **options)


@FLAVORS
def test_text_reply(flavor: Flavor, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.queue(flavor.text("hello there"))
    model = make(flavor, server, monkeypatch)
    reply = model.generate(
        [Message.system("Be brief."), Message.user("Say hello.")],
        config=GenerateConfig(max_output_tokens=50, temperature=0.0),
    )
    assert reply.text == "hello there"
    assert reply.tool_calls == []
    assert reply.stop_reason == "stop"
    assert reply.model == flavor.model
    [request] = server.requests
    assert request.path == flavor.path
    # langchain-openai sends the newer max_completion_tokens; Anthropic's API says max_tokens.
    assert request.body.get("max_tokens", request.body.get("max_completion_tokens")) == 50
    assert "sk-test-123" in request.headers.get("authorization", "") + request.headers.get(
        "x-api-key", ""
    )
    sent = str(request.body)
    assert "Be brief." in sent and "Say hello." in sent


@FLAVORS
def test_tool_call(flavor: Flavor, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.queue(flavor.tool_call("write_file", {"path": "a.py", "content": "x = 1\n"}))
    model = make(flavor, server, monkeypatch)
    reply = model.generate([Message.user("Write a.py")], tools=[WRITE_FILE])
    assert reply.stop_reason == "tool_calls"
    [call] = reply.tool_calls
    assert (call.name, call.arguments) == ("write_file", {"path": "a.py", "content": "x = 1\n"})
    tools_sent = server.requests[0].body["tools"]
    assert "write_file" in str(tools_sent) and "content" in str(tools_sent)


@FLAVORS
def test_tool_result_round_trip(
    flavor: Flavor, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(flavor.tool_call("write_file", {"path": "a.py", "content": ""}, "call_9"))
    server.queue(flavor.text("done"))
    model = make(flavor, server, monkeypatch)
    conversation = [Message.user("Write a.py")]
    first = model.generate(conversation, tools=[WRITE_FILE])
    conversation += [first.as_message(), Message.tool("wrote a.py", first.tool_calls[0].id)]
    assert model.generate(conversation, tools=[WRITE_FILE]).text == "done"
    second = str(server.requests[1].body["messages"])
    assert "call_9" in second and "wrote a.py" in second


@FLAVORS
def test_429_then_success_honours_retry_after(
    flavor: Flavor, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(flavor.error("rate_limit_error"), status=429, retry_after="1")
    server.queue(flavor.text("ok"))
    model = make(flavor, server, monkeypatch)
    reply = model.generate([Message.user("hi")])
    assert reply.text == "ok"
    assert reply.usage.retries == 1
    first, second = server.requests
    # The retry-after of 1 s wins over the 0.01 s back-off of the policy.
    assert second.at - first.at >= 1.0


@FLAVORS
def test_server_errors_retry_until_the_policy_gives_up(
    flavor: Flavor, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        server.queue(flavor.error("api_error"), status=503)
    model = make(flavor, server, monkeypatch)
    expected = rf"^{flavor.model}: HTTP 503: .*\(after 2 retries\)$"
    with pytest.raises(ModelError, match=expected) as info:
        model.generate([Message.user("hi")])
    assert (info.value.status_code, info.value.retries) == (503, 2)
    assert len(server.requests) == FAST_RETRY.max_attempts


@FLAVORS
def test_client_errors_are_not_retried(
    flavor: Flavor, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(flavor.error("invalid_request_error"), status=400)
    model = make(flavor, server, monkeypatch)
    with pytest.raises(ModelError, match=f"^{flavor.model}: HTTP 400: ") as info:
        model.generate([Message.user("hi")])
    assert (info.value.status_code, info.value.retries) == (400, 0)
    assert len(server.requests) == 1


def test_an_unreachable_server_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    model = get_model("openai-compatible/m", base_url=url, retry=FAST_RETRY)
    with pytest.raises(ModelError, match=r"^openai-compatible/m: Connection error.*2 retries"):
        model.generate([Message.user("hi")])


def test_anthropic_overloaded_529_is_retried_with_retry_after_ms(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(fake.anthropic_error("overloaded_error"), status=529, retry_after_ms="300")
    server.queue(fake.anthropic_text("fine"))
    reply = make(ANTHROPIC, server, monkeypatch).generate([Message.user("hi")])
    assert reply.text == "fine" and reply.usage.retries == 1
    assert server.requests[1].at - server.requests[0].at >= 0.3


def test_openai_usage_and_cost(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.queue(
        fake.openai_text("a", prompt_tokens=1_000_000, completion_tokens=1_000_000, cached=0)
    )
    server.queue(fake.openai_text("b", prompt_tokens=2000, completion_tokens=100, cached=1000))
    model = make(OPENAI, server, monkeypatch)
    first = model.generate([Message.user("x")]).usage
    second = model.generate([Message.user("y")]).usage
    assert (first.input_tokens, first.output_tokens, first.cached_tokens) == (
        1_000_000,
        1_000_000,
        0,
    )
    assert (second.input_tokens, second.output_tokens, second.cached_tokens) == (2000, 100, 1000)
    # gpt-4.1 list prices per million tokens: $2 input, $0.50 cached input, $8 output.
    assert first.cost_usd == pytest.approx(10.0)
    assert second.cost_usd == pytest.approx((1000 * 2 + 1000 * 0.5 + 100 * 8) / 1e6)
    total = model.usage
    assert (total.calls, total.input_tokens, total.output_tokens) == (2, 1_002_000, 1_000_100)
    assert total.cost_usd == pytest.approx(10.0 + 0.0033)


def test_anthropic_usage_counts_cache_reads(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(fake.anthropic_text("a", input_tokens=800, output_tokens=100, cache_read=200))
    usage = make(ANTHROPIC, server, monkeypatch).generate([Message.user("x")]).usage
    # Anthropic reports uncached input apart from cache reads; our input_tokens is the total.
    assert (usage.input_tokens, usage.output_tokens, usage.cached_tokens) == (1000, 100, 200)
    # claude-sonnet-4-6: $3/M input, $0.30/M cache read, $15/M output.
    assert usage.cost_usd == pytest.approx(800 * 3e-6 + 200 * 0.3e-6 + 100 * 15e-6)


def test_self_hosted_models_have_no_price(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(fake.openai_text("a"))
    usage = make(COMPATIBLE, server, monkeypatch).generate([Message.user("x")]).usage
    assert usage.cost_usd is None
    assert usage.input_tokens == 12


def test_openai_compatible_json_tool_mode(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(
        fake.openai_text('{"tool": "write_file", "arguments": {"path": "a.py", "content": "1"}}')
    )
    model = make(COMPATIBLE, server, monkeypatch, tool_mode="json")
    reply = model.generate([Message.user("Write a.py")], tools=[WRITE_FILE])
    [call] = reply.tool_calls
    assert (call.name, call.arguments["path"]) == ("write_file", "a.py")
    body = server.requests[0].body
    assert "tools" not in body
    assert body["response_format"]["json_schema"]["schema"]["properties"]["tool"] == {
        "const": "write_file"
    }


def test_openai_compatible_json_tool_mode_rejects_unknown_tool(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.queue(fake.openai_text('{"tool": "rm_rf", "arguments": {}}'))
    model = make(COMPATIBLE, server, monkeypatch, tool_mode="json")
    with pytest.raises(ModelError, match="unknown tool 'rm_rf'"):
        model.generate([Message.user("go")], tools=[WRITE_FILE])


def test_openai_compatible_reads_base_url_from_env(
    server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_COMPATIBLE_BASE_URL", f"{server.url}/v1")
    server.queue(fake.openai_text("from env"))
    assert get_model("openai-compatible/m").generate([Message.user("x")]).text == "from env"
    # No key needed for a local server, but the client still sends one.
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"


@pytest.mark.parametrize(
    ("model", "var"),
    [("anthropic/claude-sonnet-4-6", "ANTHROPIC_API_KEY"), ("openai/gpt-4.1", "OPENAI_API_KEY")],
)
def test_missing_key_names_the_variable(model: str, var: str) -> None:
    with pytest.raises(PrerequisiteError, match=f"{var} is not set.*export {var}="):
        get_model(model)


def test_openai_compatible_without_base_url_says_how_to_set_it() -> None:
    with pytest.raises(PrerequisiteError, match="--base-url URL or set OPENAI_COMPATIBLE_BASE_URL"):
        get_model("openai-compatible/m")
