"""Hosted models through LangChain chat models: Anthropic, OpenAI and OpenAI-compatible servers."""

from __future__ import annotations

import importlib
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, cast

from agents._errors import ModelError, PrerequisiteError
from agents.models._actions import (
    action_instructions,
    action_schema,
    parse_reply_action,
    parse_tagged_calls,
)
from agents.models._base import Model
from agents.models._retry import RetryPolicy, status_code_of
from agents.models._types import (
    GenerateConfig,
    Message,
    RawReply,
    StopReason,
    ToolCall,
    ToolSpec,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

ToolMode = Literal["native", "json"]

_STOP_REASONS: dict[str, StopReason] = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "length": "max_tokens",
    "max_tokens": "max_tokens",
}


def require_env(var: str, model_id: str) -> str:
    """The value of an API-key variable, or a PrerequisiteError that says how to set it."""
    value = os.environ.get(var, "").strip()
    if not value:
        raise PrerequisiteError(f"{var} is not set; {model_id} needs it: export {var}=<your key>")
    return value


def to_langchain(messages: list[Message]) -> list[BaseMessage]:
    """Our messages as LangChain messages."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    converted: list[BaseMessage] = []
    for m in messages:
        if m.role == "system":
            converted.append(SystemMessage(content=m.content))
        elif m.role == "user":
            converted.append(HumanMessage(content=m.content))
        elif m.role == "tool":
            converted.append(ToolMessage(content=m.content, tool_call_id=m.tool_call_id or ""))
        else:
            calls = [
                {"name": c.name, "args": c.arguments, "id": c.id, "type": "tool_call"}
                for c in m.tool_calls
            ]
            converted.append(AIMessage(content=m.content, tool_calls=calls))
    return converted


def from_langchain(message: AIMessage) -> RawReply:
    """A LangChain AI message as a raw reply with normalized usage and stop reason."""
    usage: dict[str, Any] = dict(message.usage_metadata or {})
    details: dict[str, Any] = dict(usage.get("input_token_details") or {})
    meta = message.response_metadata or {}
    finish = str(meta.get("finish_reason") or meta.get("stop_reason") or "stop")
    calls = [
        ToolCall(id=c.get("id") or _new_id(), name=c["name"], arguments=dict(c["args"]))
        for c in message.tool_calls
    ]
    return RawReply(
        text=message.text,
        tool_calls=calls,
        stop_reason="tool_calls" if calls else _STOP_REASONS.get(finish, "other"),
        input_tokens=int(usage.get("input_tokens", 0)),
        output_tokens=int(usage.get("output_tokens", 0)),
        cached_tokens=int(details.get("cache_read") or 0),
        cache_write_tokens=int(details.get("cache_creation") or 0),
    )


def _new_id() -> str:
    return f"call_{uuid.uuid4().hex[:12]}"


class LangChainModel(Model):
    """A model served over HTTP through a LangChain chat model.

    Retries are ours (see `_retry`), so the SDK's are turned off.
    """

    key_var = ""
    """Environment variable holding the API key."""
    base_url_var = ""
    """Environment variable that may hold the server URL."""

    def __init__(self, name: str, *, base_url: str | None = None, retry: RetryPolicy | None = None):
        super().__init__(name, retry=retry)
        self.api_key = self._api_key()
        self.base_url = base_url or os.environ.get(self.base_url_var) or None
        self._chats: dict[GenerateConfig, BaseChatModel] = {}

    def _api_key(self) -> str:
        return require_env(self.key_var, self.id)

    def prepare(self) -> None:
        self._chat(GenerateConfig())

    def _chat(self, config: GenerateConfig) -> BaseChatModel:
        if config not in self._chats:
            self._chats[config] = self._build_chat(self._options(config))
        return self._chats[config]

    def _options(self, config: GenerateConfig) -> dict[str, Any]:
        """Constructor options common to the LangChain chat models we use."""
        options: dict[str, Any] = {
            "model": self.name,
            "api_key": self.api_key,
            "max_tokens": config.max_output_tokens,
            "max_retries": 0,
        }
        if self.base_url:
            options["base_url"] = self.base_url
        if config.temperature is not None:
            options["temperature"] = config.temperature
        if config.stop:
            options["stop"] = list(config.stop)
        return options

    def _build_chat(self, options: dict[str, Any]) -> BaseChatModel:
        raise NotImplementedError

    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        chat: Any = self._chat(config)
        if tools:
            chat = chat.bind_tools([tool.to_openai() for tool in tools])
        reply = chat.invoke(to_langchain(messages))
        return from_langchain(reply)

    def _stream(self, messages: list[Message], config: GenerateConfig) -> Iterator[str]:
        """The chat model's own stream (`chat_model.stream`), usage summed over its chunks."""
        started = time.perf_counter()
        merged: AIMessageChunk | None = None
        try:
            for chunk in self._chat(config).stream(to_langchain(messages)):
                merged = chunk if merged is None else merged + chunk
                if chunk.text:
                    yield chunk.text
        finally:
            if merged is not None:
                self._record_stream(from_langchain(merged), started)


def _import_chat_class(module: str, name: str, package: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise PrerequisiteError(f"{package} is not installed: pip install {package}") from exc


class AnthropicModel(LangChainModel):
    """`anthropic/<model>` through langchain-anthropic; key from ANTHROPIC_API_KEY."""

    provider = "anthropic"
    key_var = "ANTHROPIC_API_KEY"
    base_url_var = "ANTHROPIC_BASE_URL"

    def _options(self, config: GenerateConfig) -> dict[str, Any]:
        return {**super()._options(config), "default_request_timeout": config.timeout_s}

    def _build_chat(self, options: dict[str, Any]) -> BaseChatModel:
        chat_class = _import_chat_class(
            "langchain_anthropic", "ChatAnthropic", "langchain-anthropic"
        )
        return cast("BaseChatModel", chat_class(**options))


class OpenAIModel(LangChainModel):
    """`openai/<model>` through langchain-openai; key from OPENAI_API_KEY."""

    provider = "openai"
    key_var = "OPENAI_API_KEY"
    base_url_var = "OPENAI_BASE_URL"

    def __init__(
        self,
        name: str,
        *,
        base_url: str | None = None,
        tool_mode: ToolMode = "native",
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(name, base_url=base_url, retry=retry)
        self.tool_mode = tool_mode

    def _options(self, config: GenerateConfig) -> dict[str, Any]:
        # stream_usage: usage in streamed replies too, so accounting never silently drops to zero.
        options = {**super()._options(config), "timeout": config.timeout_s, "stream_usage": True}
        if config.seed is not None:
            options["seed"] = config.seed
        return options

    def _build_chat(self, options: dict[str, Any]) -> BaseChatModel:
        chat_class = _import_chat_class("langchain_openai", "ChatOpenAI", "langchain-openai")
        return cast("BaseChatModel", chat_class(**options))

    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        if tools and self.tool_mode == "json":
            return self._generate_json_action(messages, tools, config)
        return super()._generate(messages, tools, config)

    def _generate_json_action(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        """For servers without tool calling: one JSON action under a response_format schema."""
        return self._json_action(messages, tools, config, "json_schema")

    def _json_action(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig, mode: str
    ) -> RawReply:
        """One JSON action, the schema sent as OpenAI's `json_schema` response format or as
        `json_object` with a `schema` (llama-cpp-python's server, Anyscale)."""
        schema = action_schema(tools)
        response_format: dict[str, Any] = (
            {
                "type": "json_schema",
                "json_schema": {"name": "action", "schema": schema, "strict": False},
            }
            if mode == "json_schema"
            else {"type": "json_object", "schema": schema}
        )
        chat: Any = self._chat(config).bind(response_format=response_format)
        prompt = [Message.system(action_instructions(tools)), *_as_plain_turns(messages)]
        try:
            raw = from_langchain(chat.invoke(to_langchain(prompt)))
        except Exception as exc:
            cut = _cut_reply(exc)
            if cut is None:
                raise
            raw = cut
        call = parse_reply_action(raw, tools, _new_id())
        return raw.model_copy(update={"tool_calls": [call], "stop_reason": "tool_calls"})


def _cut_reply(exc: Exception) -> RawReply | None:
    """The reply of a structured-output call that the openai client refused because it reached
    its token limit (`LengthFinishReasonError`): it is the model's answer, not a failed call."""
    completion = getattr(exc, "completion", None)
    if type(exc).__name__ != "LengthFinishReasonError" or completion is None:
        return None
    usage = completion.usage
    return RawReply(
        text=completion.choices[0].message.content or "",
        stop_reason="max_tokens",
        input_tokens=usage.prompt_tokens if usage else 0,
        output_tokens=usage.completion_tokens if usage else 0,
    )


def _as_plain_turns(messages: list[Message]) -> list[Message]:
    """Tool calls and results as plain text turns, for a server that knows no tool messages."""
    from agents.models._actions import render_action

    plain: list[Message] = []
    for m in messages:
        if m.role == "tool":
            plain.append(Message.user(f"Tool result:\n{m.content}"))
        elif m.tool_calls:
            text = "\n".join(render_action(c) for c in m.tool_calls)
            plain.append(Message.assistant(f"{m.content}\n{text}".strip()))
        else:
            plain.append(m)
    return plain


class OpenAICompatibleModel(OpenAIModel):
    """`openai-compatible/<model>`: a server speaking the OpenAI chat API (Ollama, vLLM, llama.cpp).

    Base URL from `base_url` or OPENAI_COMPATIBLE_BASE_URL; key from OPENAI_COMPATIBLE_API_KEY
    (optional: local servers usually need none). `tool_mode="json"` is for servers without
    native tool calling.
    """

    provider = "openai-compatible"
    key_var = "OPENAI_COMPATIBLE_API_KEY"
    base_url_var = "OPENAI_COMPATIBLE_BASE_URL"

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self._speed = ServerSpeed()
        # What the model wrote for each call read from text, to send that turn back verbatim.
        self._written: dict[str, str] = {}
        if not self.base_url:
            raise PrerequisiteError(
                f"{self.id} needs a server: pass --base-url URL or set {self.base_url_var} "
                "(e.g. http://127.0.0.1:11434/v1 for Ollama)"
            )

    def _api_key(self) -> str:
        # Local servers accept any key; the OpenAI client insists on a non-empty one.
        return os.environ.get(self.key_var, "").strip() or "not-needed"

    def _options(self, config: GenerateConfig) -> dict[str, Any]:
        # langchain-openai sends the limit as max_completion_tokens, which llama-cpp-python's
        # server ignores (it then generates up to its context); max_tokens is the older name
        # that every OpenAI-compatible server reads.
        return {**super()._options(config), "extra_body": {"max_tokens": config.max_output_tokens}}

    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        config = self._speed.fit(config)
        started = time.perf_counter()
        messages = [self._as_written(m) for m in messages]
        try:
            raw = super()._generate(messages, tools, config)
        except Exception as exc:
            if _is_timeout(exc):
                raise ModelError(
                    f"{self.id}: no reply within {config.timeout_s:g} s; not retried, since "
                    "the server may still be generating it (a CPU server needs more time per "
                    "turn or fewer tokens per turn)"
                ) from exc
            raise
        self._speed.observe(raw.output_tokens, time.perf_counter() - started)
        if tools and self.tool_mode == "native" and not raw.tool_calls:
            # A server without a tool-call parser returns the model's own call format as text.
            text, calls = parse_tagged_calls(raw.text, tools, _new_id)
            if calls:
                self._written[calls[0].id] = raw.text
                return raw.model_copy(
                    update={"text": text, "tool_calls": calls, "stop_reason": "tool_calls"}
                )
        return raw

    def _as_written(self, message: Message) -> Message:
        """A turn whose calls were read from text goes back as that text: such a server knows
        no structured calls (llama-cpp-python's refuses an assistant message without content),
        and the same text keeps its prompt cache valid."""
        if message.role != "assistant" or not message.tool_calls:
            return message
        written = self._written.get(message.tool_calls[0].id)
        return message if written is None else Message.assistant(written)

    def _generate_json_action(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        """A JSON action in the response format this server takes, found out on first use."""
        key = self.base_url or ""
        mode = _JSON_MODES.get(key, "json_schema")
        try:
            return self._json_action(messages, tools, config, mode)
        except Exception as exc:
            if mode != "json_schema" or not _rejects_response_format(exc):
                raise
        raw = self._json_action(messages, tools, config, "json_object")
        _JSON_MODES[key] = "json_object"
        return raw


_JSON_MODES: dict[str, str] = {}
"""The JSON response format each server (by base URL) was found to take, when not json_schema."""


def _rejects_response_format(exc: BaseException) -> bool:
    """Whether a server refused the request over its `response_format` (and answered at once:
    the request is over, so asking again in another format repeats no work)."""
    code = status_code_of(exc)
    return code in {400, 415, 422, 500, 501} and "response_format" in str(exc)


def _is_timeout(exc: BaseException) -> bool:
    return any(
        cls.__name__ in {"APITimeoutError", "ReadTimeout", "TimeoutException"}
        for cls in type(exc).__mro__
    )


class ServerSpeed:
    """Tokens per second a server has delivered, to keep each request's max_tokens within
    what it can generate before the request's timeout (a CPU server gives a few per second)."""

    share = 0.8
    """Part of the timeout the generation may fill; the rest is for the prompt and queueing."""

    def __init__(self) -> None:
        self.tokens_per_s: float | None = None
        self._lock = threading.Lock()

    def observe(self, output_tokens: int, seconds: float) -> None:
        """Learn from a reply (short ones say more about latency than speed: skipped)."""
        if output_tokens < 32 or seconds <= 0:
            return
        speed = output_tokens / seconds
        with self._lock:
            old = self.tokens_per_s
            self.tokens_per_s = speed if old is None else (old + speed) / 2

    def fit(self, config: GenerateConfig) -> GenerateConfig:
        """`config` with max_output_tokens lowered to what fits its timeout, in steps of 64."""
        if self.tokens_per_s is None:
            return config
        fits = int(self.tokens_per_s * config.timeout_s * self.share) // 64 * 64
        if fits >= config.max_output_tokens:
            return config
        return config.model_copy(update={"max_output_tokens": max(64, fits)})
