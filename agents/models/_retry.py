"""Retries with exponential back-off for transient provider errors, honouring retry-after.

The SDKs' own retry loops are switched off (`max_retries=0`) so that every retry is counted in
`Usage.retries` and is visible to callers that adapt their concurrency to rate limits.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

T = TypeVar("T")

# 408 timeout, 409 conflict (OpenAI lock), 429 rate limit, 5xx, 529 Anthropic overloaded.
TRANSIENT_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
_TRANSIENT_NAMES = frozenset(
    {"APIConnectionError", "APITimeoutError", "ConnectError", "ReadTimeout"}
)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a transient failure."""

    max_attempts: int = 6
    """Attempts in total, the first one included."""
    initial_backoff_s: float = 1.0
    """Back-off before the first retry when the server gives no retry-after."""
    max_backoff_s: float = 60.0
    """Cap on one back-off, retry-after included."""
    jitter: float = 0.25
    """Random extra share of each computed back-off, spreading concurrent retries."""


@dataclass
class RetryOutcome:
    """Retries made and back-offs slept during one call."""

    retries: int = 0
    sleeps: list[float] = field(default_factory=list)


class TransientError(Exception):
    """An error a provider adapter (or the mock) raises to ask for a retry."""

    def __init__(self, message: str, status_code: int = 503, retry_after_s: float | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.retry_after_s = retry_after_s


def status_code_of(exc: BaseException) -> int | None:
    """The HTTP status of an SDK error (openai, anthropic, httpx), if it has one."""
    code = getattr(exc, "status_code", None)
    if isinstance(code, int):
        return code
    response = getattr(exc, "response", None)
    code = getattr(response, "status_code", None)
    return code if isinstance(code, int) else None


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same request may succeed."""
    if isinstance(exc, TransientError | TimeoutError | ConnectionError):
        return True
    code = status_code_of(exc)
    if code is not None:
        return code in TRANSIENT_STATUS
    return any(cls.__name__ in _TRANSIENT_NAMES for cls in type(exc).__mro__)


def retry_after_of(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait, from retry-after-ms / retry-after, if any."""
    if isinstance(exc, TransientError):
        return exc.retry_after_s
    headers = getattr(getattr(exc, "response", None), "headers", None)
    return parse_retry_after(headers) if headers is not None else None


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Parse `retry-after-ms` (milliseconds) or `retry-after` (seconds or an HTTP date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_s(policy: RetryPolicy, attempt: int, exc: BaseException | None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based)."""
    hinted = retry_after_of(exc) if exc is not None else None
    if hinted is not None:
        return min(hinted, policy.max_backoff_s)
    base = min(policy.initial_backoff_s * 2.0 ** (attempt - 1), policy.max_backoff_s)
    return base * (1.0 + random.uniform(0.0, policy.jitter))


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[BaseException, float], None] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
    outcome: RetryOutcome | None = None,
) -> T:
    """Call `fn`, retrying transient errors under `policy`; re-raise the last error.

    Retries and back-offs are recorded in `outcome`, which also serves when the call fails.
    """
    outcome = outcome if outcome is not None else RetryOutcome()

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return backoff_s(policy, state.attempt_number, exc)

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.upcoming_sleep
        outcome.retries += 1
        outcome.sleeps.append(delay)
        if on_retry is not None and exc is not None:
            on_retry(exc, delay)

    retrying = Retrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=wait,
        retry=retry_if_exception(is_transient),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)
