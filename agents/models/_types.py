"""Typed data that crosses the model boundary: messages, tools, replies and usage."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]
StopReason = Literal["stop", "tool_calls", "max_tokens", "other"]


class ToolSpec(BaseModel):
    """A tool the model may call, described by a JSON schema for its arguments."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
    """Tool name, as the model must spell it."""
    description: str
    """What the tool does, shown to the model."""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    """JSON schema of the arguments object."""

    def to_openai(self) -> dict[str, Any]:
        """The tool in OpenAI function format, which LangChain accepts for every provider."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


class ToolCall(BaseModel):
    """One call of a tool requested by the model."""

    id: str
    """Identifier that the tool result must echo back."""
    name: str
    """Name of the tool to call."""
    arguments: dict[str, Any] = Field(default_factory=dict)
    """Arguments, already parsed from JSON."""


class Message(BaseModel):
    """One message of a conversation, independent of any provider's wire format."""

    role: Role
    """Who speaks: system, user, assistant or tool (a tool result)."""
    content: str = ""
    """The text of the message."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls the assistant asked for (assistant messages only)."""
    tool_call_id: str | None = None
    """For a tool result: the id of the call it answers."""

    @classmethod
    def system(cls, content: str) -> Message:
        """A system message."""
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> Message:
        """A user message."""
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, content: str = "", tool_calls: list[ToolCall] | None = None) -> Message:
        """An assistant message, optionally carrying tool calls."""
        return cls(role="assistant", content=content, tool_calls=tool_calls or [])

    @classmethod
    def tool(cls, content: str, tool_call_id: str) -> Message:
        """The result of a tool call."""
        return cls(role="tool", content=content, tool_call_id=tool_call_id)


class GenerateConfig(BaseModel):
    """Generation settings for one call."""

    model_config = ConfigDict(frozen=True)

    max_output_tokens: int = Field(default=1024, gt=0)
    """Upper bound on generated tokens."""
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    """Sampling temperature; None leaves the provider's default."""
    timeout_s: float = Field(default=120.0, gt=0)
    """Wall-clock limit for one HTTP request (or one local generation)."""
    seed: int | None = None
    """Sampling seed where the provider supports one."""
    stop: tuple[str, ...] = ()
    """Stop sequences."""


class Usage(BaseModel):
    """Token usage, latency and cost of one call, or the sum of several."""

    calls: int = 1
    """Number of model calls summed here."""
    input_tokens: int = 0
    """Prompt tokens, including cached ones."""
    output_tokens: int = 0
    """Generated tokens."""
    cached_tokens: int = 0
    """Prompt tokens read from the provider's cache (a part of input_tokens)."""
    cache_write_tokens: int = 0
    """Prompt tokens written to the provider's cache (a part of input_tokens)."""
    latency_s: float = 0.0
    """Wall-clock seconds, retries and back-off included."""
    retries: int = 0
    """Attempts repeated after a transient error (429, 5xx, overloaded, connection)."""
    cost_usd: float | None = 0.0
    """Cost in US dollars; None when no price is known for the model."""
    cache_hits: int = 0
    """Calls answered from the response cache, costing nothing."""

    def __add__(self, other: Usage) -> Usage:
        cost = (
            None
            if self.cost_usd is None or other.cost_usd is None
            else (self.cost_usd + other.cost_usd)
        )
        return Usage(
            calls=self.calls + other.calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            latency_s=self.latency_s + other.latency_s,
            retries=self.retries + other.retries,
            cost_usd=cost,
            cache_hits=self.cache_hits + other.cache_hits,
        )

    @classmethod
    def zero(cls) -> Usage:
        """The neutral element of addition."""
        return cls(calls=0)

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens per second of latency, or None when nothing was timed."""
        return self.output_tokens / self.latency_s if self.latency_s > 0 else None


class ModelResponse(BaseModel):
    """What a model returned for one call."""

    model: str
    """The model string, `provider/model`."""
    text: str = ""
    """Text of the reply (may be empty when the model only called tools)."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls requested by the model."""
    stop_reason: StopReason = "stop"
    """Why generation stopped."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens, latency, retries and cost of this call."""

    def as_message(self) -> Message:
        """The reply as an assistant message, ready to append to the conversation."""
        return Message.assistant(self.text, list(self.tool_calls))


class RawReply(BaseModel):
    """A provider adapter's reply before the base class adds latency, retries and cost."""

    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    stop_reason: StopReason = "stop"
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
