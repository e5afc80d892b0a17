"""The one interface every model provider implements."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterator

from agents._errors import ActionParseError, ModelError
from agents.models._cache import CacheError, ResponseCache, cache_key
from agents.models._limiter import ProviderLimiter, default_registry, is_rate_limit
from agents.models._pricing import cost_usd
from agents.models._retry import (
    RetryOutcome,
    RetryPolicy,
    call_with_retry,
    retry_after_of,
    status_code_of,
)
from agents.models._types import GenerateConfig, Message, ModelResponse, RawReply, ToolSpec, Usage
from usererrors import RegenlabError

RetryHook = Callable[[BaseException, float], None]

log = logging.getLogger(__name__)


class Model(ABC):
    """A model behind a `provider/model` string.

    Subclasses implement `_generate` (one attempt, no retries); `generate` adds retries,
    latency, cost and the usage log, the same way for every provider.
    """

    provider: str = ""
    """Provider part of the model string (set by each subclass)."""
    supports_tools: bool = True
    """Whether the model acts on `tools` (natively or through JSON actions)."""
    rate_limited: bool = True
    """Whether calls go through the provider's adaptive (AIMD) concurrency limiter."""
    # --- response cache (see _cache.py) ---
    cache: ResponseCache | None = None
    """Where to look up replies before calling the model, and store new ones; set by callers."""
    trial: int = 0
    """Part of the cache key, so that repeated trials do not share cached replies."""
    # --- end response cache ---

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
        # --- response cache: a hit answers without calling the model ---
        key = self._cache_key(messages, tools or [], config)
        cached = self._cache_get(key)
        if cached is not None:
            return self._response(cached, self._cached_usage(cached, started))
        # --- end response cache ---
        outcome = RetryOutcome()
        try:
            raw = call_with_retry(
                lambda: self._attempt(messages, tools or [], config),
                self.retry,
                on_retry=self.on_retry,
                outcome=outcome,
            )
        except ActionParseError as exc:
            # The model answered with an unusable action: its tokens and time were spent all the
            # same, so they are logged and charged like any reply's.
            exc.usage = self._unparsed_usage(exc, time.perf_counter() - started, outcome.retries)
            raise
        except RegenlabError:
            raise
        except Exception as exc:
            raise self._failure(exc, outcome.retries) from exc
        usage = self._usage(raw, time.perf_counter() - started, outcome.retries)
        self._cache_put(key, raw)  # response cache: only successful replies reach here
        return self._response(raw, usage)

    def stream(
        self, messages: list[Message], config: GenerateConfig | None = None
    ) -> Generator[str, None, None]:
        """One model turn as text chunks, yielded as the model writes them.

        The chunks concatenate to the reply `generate` would give (stripped the same way).
        Streaming is for speaking a reply while it is written, so it takes no tools, skips the
        response cache and makes no retries (a late retry would repeat spoken text). Usage is
        recorded when the stream ends, also when the caller stops early (`close()`), which
        stops the generation. Providers without streaming yield the whole reply once.
        """
        try:
            yield from self._stream(messages, config or GenerateConfig())
        except RegenlabError:
            raise
        except Exception as exc:
            raise self._failure(exc, 0) from exc

    def _stream(self, messages: list[Message], config: GenerateConfig) -> Iterator[str]:
        """The default stream: the whole `generate` text as one chunk."""
        text = self.generate(messages, config=config).text
        if text:
            yield text

    def _record_stream(self, raw: RawReply, started: float) -> None:
        """Log a finished (or abandoned) stream's usage like a `generate` call's."""
        self._response(raw, self._usage(raw, time.perf_counter() - started, 0))

    def _attempt(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        """One attempt inside a slot of the provider's adaptive limiter (held per attempt, so a
        back-off sleep never holds a slot)."""
        limiter = self.limiter
        if limiter is None:
            return self._generate(messages, tools, config)
        with limiter.slot():
            try:
                raw = self._generate(messages, tools, config)
            except Exception as exc:
                if is_rate_limit(exc):
                    limiter.on_rate_limited(retry_after_of(exc))
                raise
        limiter.on_success()
        return raw

    @property
    def limiter(self) -> ProviderLimiter | None:
        """The adaptive concurrency limiter shared by every model of this provider and server."""
        if not self.rate_limited:
            return None
        return default_registry().for_provider(self.provider, getattr(self, "base_url", None))

    def _response(self, raw: RawReply, usage: Usage) -> ModelResponse:
        with self._lock:
            self.calls.append(usage)
        return ModelResponse(
            model=self.id,
            text=raw.text,
            tool_calls=raw.tool_calls,
            stop_reason=raw.stop_reason,
            usage=usage,
        )

    # --- response cache ---
    def _cache_key(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> str | None:
        if self.cache is None:
            return None
        return cache_key(
            provider=self.provider,
            model=self.name,
            base_url=getattr(self, "base_url", None),
            messages=messages,
            tools=tools,
            config=config,
            trial=self.trial,
        )

    def _cache_get(self, key: str | None) -> RawReply | None:
        if self.cache is None or key is None:
            return None
        try:
            return self.cache.get(key)
        except CacheError as exc:  # a broken cache costs a model call, not the run
            log.warning("%s: %s; calling the model", self.id, exc)
            return None

    def _cache_put(self, key: str | None, raw: RawReply) -> None:
        if self.cache is None or key is None:
            return
        try:
            self.cache.put(key, raw, model=self.id)
        except CacheError as exc:
            log.warning("%s: %s; the reply is not cached", self.id, exc)

    def _cached_usage(self, raw: RawReply, started: float) -> Usage:
        """A cache hit's usage: the stored token counts, no cost, the look-up's latency."""
        return Usage(
            input_tokens=raw.input_tokens,
            output_tokens=raw.output_tokens,
            cached_tokens=raw.cached_tokens,
            cache_write_tokens=raw.cache_write_tokens,
            latency_s=time.perf_counter() - started,
            cost_usd=0.0,
            cache_hits=1,
        )

    # --- end response cache ---

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

    def _unparsed_usage(self, exc: ActionParseError, latency_s: float, retries: int) -> Usage:
        usage = (
            Usage(latency_s=latency_s, retries=retries)
            if exc.reply is None
            else self._usage(exc.reply, latency_s, retries)
        )
        with self._lock:
            self.calls.append(usage)
        return usage

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
