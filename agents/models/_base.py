"""The one interface every model provider implements."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

from agents._errors import AgentsError, ModelError
from agents.models._pricing import cost_usd
from agents.models._retry import RetryOutcome, RetryPolicy, call_with_retry, status_code_of
from agents.models._types import GenerateConfig, Message, ModelResponse, RawReply, ToolSpec, Usage

RetryHook = Callable[[BaseException, float], None]


class Model(ABC):
    """A model behind a `provider/model` string.

    Subclasses implement `_generate` (one attempt, no retries); `generate` adds retries,
    latency, cost and the usage log, the same way for every provider.
    """

    provider: str = ""
    """Provider part of the model string (set by each subclass)."""
    supports_tools: bool = True
    """Whether the model acts on `tools` (natively or through JSON actions)."""

    def __init__(self, name: str, *, retry: RetryPolicy | None = None) -> None:
        self.name = name
        self.retry = retry or RetryPolicy()
        self.calls: list[Usage] = []
        self.on_retry: RetryHook | None = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        """The full model string, `provider/model`."""
        return f"{self.provider}/{self.name}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"

    def prepare(self) -> None:  # noqa: B027 - an optional hook; most providers need nothing
        """Load whatever the first call would otherwise load (weights, clients). Idempotent."""

    def generate(
        self,
        messages: list[Message],
        *,
        tools: list[ToolSpec] | None = None,
        config: GenerateConfig | None = None,
    ) -> ModelResponse:
        """One model turn: send the conversation, return the reply with its usage."""
        config = config or GenerateConfig()
        started = time.perf_counter()
        outcome = RetryOutcome()
        try:
            raw = call_with_retry(
                lambda: self._generate(messages, tools or [], config),
                self.retry,
                on_retry=self.on_retry,
                outcome=outcome,
            )
        except AgentsError:
            raise
        except Exception as exc:
            raise self._failure(exc, outcome.retries) from exc
        usage = self._usage(raw, time.perf_counter() - started, outcome.retries)
        with self._lock:
            self.calls.append(usage)
        return ModelResponse(
            model=self.id,
            text=raw.text,
            tool_calls=raw.tool_calls,
            stop_reason=raw.stop_reason,
            usage=usage,
        )

    def _failure(self, exc: Exception, retries: int) -> ModelError:
        """A provider's final error as one ModelError that says what happened."""
        code = status_code_of(exc)
        status = f"HTTP {code}: " if code is not None else ""
        tries = f" (after {retries} retries)" if retries else ""
        detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        return ModelError(f"{self.id}: {status}{detail}{tries}", status_code=code, retries=retries)

    @property
    def usage(self) -> Usage:
        """Usage summed over every call this instance made."""
        with self._lock:
            return sum(self.calls, Usage.zero())

    def _usage(self, raw: RawReply, latency_s: float, retries: int) -> Usage:
        usage = Usage(
            input_tokens=raw.input_tokens,
            output_tokens=raw.output_tokens,
            cached_tokens=raw.cached_tokens,
            cache_write_tokens=raw.cache_write_tokens,
            latency_s=latency_s,
            retries=retries,
        )
        return usage.model_copy(update={"cost_usd": cost_usd(self.provider, self.name, usage)})

    @abstractmethod
    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        """One attempt at one turn. Raise a transient error to be retried."""
