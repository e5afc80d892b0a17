"""Model faults between an agent and its model: a wrapper `Model` that answers some calls with
an HTTP error (429, 5xx), a timeout, or a malformed tool call instead of the model's reply.

Errors are raised inside one attempt, so the model layer's own retries (and their counts in
the usage) handle them as they would a real provider's.
"""

from __future__ import annotations

import time

from agents import ActionParseError
from agents.models import (
    GenerateConfig,
    Message,
    Model,
    RawReply,
    ToolCall,
    ToolSpec,
    TransientError,
    Usage,
)
from chaos._faults import MalformedToolCall, ModelHttpError, ModelTimeout
from chaos._schedule import Trigger

ModelFault = ModelHttpError | ModelTimeout | MalformedToolCall


class FaultyModel(Model):
    """`inner` behind a fault: the same id, usage and cost, with some calls spoiled."""

    rate_limited = False  # the inner model keeps its own limiter

    def __init__(self, inner: Model, fault: ModelFault, seed: str) -> None:
        super().__init__(inner.name, retry=inner.retry)
        self.provider = inner.provider
        self.inner = inner
        self.fault = fault
        self.trigger = Trigger(fault.schedule, f"{seed}:{fault.name}")
        self._cost: float | None = 0.0

    @property
    def fired(self) -> int:
        """Calls the fault spoiled."""
        return self.trigger.fired

    def prepare(self) -> None:
        """Load the inner model."""
        self.inner.prepare()

    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        if self.trigger():
            return self._spoil(tools)
        reply = self.inner.generate(messages, tools=tools, config=config)
        self._cost = reply.usage.cost_usd
        return RawReply(
            text=reply.text,
            tool_calls=list(reply.tool_calls),
            stop_reason=reply.stop_reason,
            input_tokens=reply.usage.input_tokens,
            output_tokens=reply.usage.output_tokens,
            cached_tokens=reply.usage.cached_tokens,
            cache_write_tokens=reply.usage.cache_write_tokens,
        )

    def _spoil(self, tools: list[ToolSpec]) -> RawReply:
        fault = self.fault
        self._cost = 0.0
        if isinstance(fault, ModelHttpError):
            raise TransientError(
                f"injected HTTP {fault.status}",
                status_code=fault.status,
                retry_after_s=fault.retry_after_s,
            )
        if isinstance(fault, ModelTimeout):
            time.sleep(fault.delay_s)
            raise TimeoutError("injected timeout: the model did not answer in time")
        return malformed_reply(fault, tools)

    def _usage(self, raw: RawReply, latency_s: float, retries: int) -> Usage:
        usage = super()._usage(raw, latency_s, retries)
        return usage.model_copy(update={"cost_usd": self._cost})


def malformed_reply(fault: MalformedToolCall, tools: list[ToolSpec]) -> RawReply:
    """A reply whose tool call the agent cannot use, of the fault's kind."""
    if fault.mode == "unparseable":
        # What a JSON-action model's parser raises on a reply that is not an action.
        raise ActionParseError('the reply is not a JSON action: {"tool": "cli')
    if fault.mode == "missing_arguments" and tools:
        call = ToolCall(id="injected-malformed", name=tools[0].name, arguments={})
    else:
        call = ToolCall(id="injected-malformed", name="clik", arguments={"id": "1"})
    return RawReply(tool_calls=[call], stop_reason="tool_calls")


def with_model_fault(model: Model, fault: object, seed: str) -> Model:
    """`model` behind `fault` when it is a model fault; `model` itself otherwise."""
    if isinstance(fault, ModelHttpError | ModelTimeout | MalformedToolCall):
        return FaultyModel(model, fault, seed)
    return model
