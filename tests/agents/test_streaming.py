"""`Model.stream`: chunks in order that concatenate to the `generate` text, for every provider."""

from __future__ import annotations

import pytest

from agents import ModelError
from agents.models import GenerateConfig, Message, MockModel, Model, RawReply, ToolSpec, get_model
from agents.models._stream import strip_stream, word_chunks

ASK = [Message.user("Say something.")]
REPLY = "Hello there. How are you today?"


def test_word_chunks_concatenate_back_to_the_text() -> None:
    for text in ("Hello there.", "  two  spaces ", "one", "", "   "):
        assert "".join(word_chunks(text)) == text
    assert word_chunks("Hello there. Bye.") == ["Hello", " there.", " Bye."]


def test_strip_stream_trims_like_generate() -> None:
    chunks = ["\n", " Hello", " ", "there", ".\n", "\n"]
    assert "".join(strip_stream(chunks)) == "".join(chunks).strip()
    assert list(strip_stream(["a", "  ", "b"])) == ["a", "  b"]
    assert list(strip_stream([" ", "\n"])) == []


def test_mock_streams_its_reply_in_order_and_matches_generate() -> None:
    model = MockModel(outputs=[REPLY, REPLY])
    chunks = list(model.stream(ASK))
    assert len(chunks) == 6
    assert "".join(chunks) == model.generate(ASK).text == REPLY
    assert [c.strip() for c in chunks] == REPLY.split()
    assert len(model.requests) == 2
    assert model.usage.calls == 2 and model.usage.output_tokens == 2 * len(REPLY.split())


def test_mock_stream_honours_delay_and_chunk_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("agents.models._mock.time.sleep", slept.append)
    model = MockModel(outputs=[{"text": "one two three", "delay_s": 0.5, "chunk_delay_s": 0.1}])
    assert list(model.stream(ASK)) == ["one", " two", " three"]
    assert slept == [0.5, 0.1, 0.1]


def test_closing_a_mock_stream_early_records_only_what_was_sent() -> None:
    model = MockModel(outputs=[REPLY])
    stream = model.stream(ASK, GenerateConfig(max_output_tokens=50))
    assert next(stream) == "Hello"
    stream.close()
    [usage] = model.calls
    assert usage.output_tokens == 1


def test_stream_errors_are_model_errors() -> None:
    model = MockModel(outputs=[{"error": {"status": 503}}])
    with pytest.raises(ModelError, match="503"):
        list(model.stream(ASK))
    with pytest.raises(ModelError, match="ran out"):
        list(model.stream(ASK))


class _WholeReplyModel(Model):
    """A provider that does not stream: the default `stream` applies."""

    provider = "whole"
    rate_limited = False

    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        return RawReply(text=REPLY, output_tokens=6)


def test_the_default_stream_yields_the_generate_text_once() -> None:
    model = _WholeReplyModel("m")
    assert list(model.stream(ASK)) == [REPLY]
    assert model.usage.calls == 1


def test_langchain_providers_stream_through_the_chat_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    model = get_model("openai/gpt-4.1")
    config = GenerateConfig(max_output_tokens=20)
    fake = GenericFakeChatModel(messages=iter([AIMessage(REPLY)]))
    # The adapter builds one chat model per config; a fake one streams word by word offline.
    model._chats[config] = fake  # type: ignore[attr-defined]
    chunks = list(model.stream(ASK, config))
    assert len(chunks) > 1
    assert "".join(chunks) == REPLY
    assert model.usage.calls == 1


@pytest.mark.slow
def test_local_model_streams_tokens_that_match_generate() -> None:
    model = get_model("local/gemma-3-270m")
    config = GenerateConfig(max_output_tokens=24, temperature=0.0, seed=0)
    ask = [Message.user("What is the capital of France?")]
    chunks = list(model.stream(ask, config))
    assert len(chunks) > 1, "a real stream yields token by token"
    assert "".join(chunks) == model.generate(ask, config=config).text
    [streamed, generated] = model.calls
    assert streamed.input_tokens == generated.input_tokens
    # The end-of-generation token is counted by llama.cpp's usage but never streamed.
    assert 0 < streamed.output_tokens <= generated.output_tokens


@pytest.mark.slow
def test_local_stream_closed_early_releases_the_model() -> None:
    model = get_model("local/gemma-3-270m")
    config = GenerateConfig(max_output_tokens=48, temperature=0.0, seed=0)
    stream = model.stream([Message.user("Tell me about the moon.")], config)
    next(stream)
    stream.close()
    assert model.calls[-1].output_tokens >= 1
    # The model's lock was released: a new call does not block.
    assert model.generate(ASK, config=GenerateConfig(max_output_tokens=4)).usage.output_tokens > 0
