"""Adaptive concurrency limits per provider: AIMD on the number of calls in flight.

Each provider (and base URL) gets a `ProviderLimiter`. A call takes a `slot()` for its duration;
successes slowly raise the cap (+1 after `increase_every` in a row) and a rate-limit answer halves
it, and a retry-after pauses every new call to that provider until the server's deadline. Waiters
are admitted first come, first served, so no thread starves behind a faster one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict

from agents.models._retry import status_code_of

RATE_LIMIT_STATUS = frozenset({429, 503, 529})
"""Statuses that mean "slow down": 429 rate limit, 503 unavailable, 529 Anthropic overloaded."""

_POLL_S = 1.0
"""Longest wait between re-checks while queued (notifications normally wake waiters sooner)."""

Clock = Callable[[], float]
Sleep = Callable[[float], object]


class LimiterState(BaseModel):
    """A point-in-time view of one provider's limiter."""

    model_config = ConfigDict(frozen=True)

    name: str
    limit: int
    """Calls allowed in flight at once."""
    in_flight: int
    """Calls holding a slot now."""
    waiting: int
    """Calls queued for a slot now."""
    decreases: int
    """Times a rate limit lowered the cap."""
    increases: int
    """Times a run of successes raised the cap."""
    paused_until: float | None
    """Clock time (`time.monotonic` by default) until which new slots wait, if a pause is on."""


class ProviderLimiter:
    """Caps concurrent calls to one provider; the cap adapts by AIMD to rate limiting."""

    def __init__(
        self,
        name: str,
        *,
        initial: int = 4,
        minimum: int = 1,
        maximum: int = 64,
        increase_every: int = 10,
        max_pause_s: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        """`clock` and `sleep` are for tests: a custom `sleep` serves retry-after pauses."""
        if not 1 <= minimum <= initial <= maximum:
            raise ValueError(f"limiter {name}: need 1 <= minimum <= initial <= maximum")
        if increase_every < 1:
            raise ValueError(f"limiter {name}: increase_every must be at least 1")
        self.name = name
        self.minimum = minimum
        self.maximum = maximum
        self.increase_every = increase_every
        self.max_pause_s = max_pause_s
        self._clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._limit = initial
        self._in_flight = 0
        self._queue: deque[object] = deque()
        self._streak = 0
        self._decreases = 0
        self._increases = 0
        self._paused_until: float | None = None

    def __repr__(self) -> str:
        return f"<ProviderLimiter {self.name} limit={self.limit} in_flight={self.in_flight}>"

    @property
    def limit(self) -> int:
        """Calls allowed in flight at once."""
        with self._cond:
            return self._limit

    @property
    def in_flight(self) -> int:
        """Calls holding a slot now."""
        with self._cond:
            return self._in_flight

    @property
    def waiting(self) -> int:
        """Calls queued for a slot now."""
        with self._cond:
            return len(self._queue)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the duration of a call; waits its turn, for room and for pauses."""
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def on_success(self) -> None:
        """Additive increase: +1 to the limit after `increase_every` successes in a row."""
        with self._cond:
            self._streak += 1
            if self._streak < self.increase_every:
                return
            self._streak = 0
            if self._limit < self.maximum:
                self._limit += 1
                self._increases += 1
                self._cond.notify_all()

    def on_rate_limited(self, retry_after_s: float | None) -> None:
        """Multiplicative decrease: halve the limit; with `retry_after_s`, pause new slots."""
        with self._cond:
            self._streak = 0
            lowered = max(self.minimum, self._limit // 2)
            if lowered < self._limit:
                self._limit = lowered
                self._decreases += 1
            if retry_after_s is not None and retry_after_s > 0:
                until = self._clock() + min(retry_after_s, self.max_pause_s)
                self._paused_until = max(until, self._paused_until or until)
            self._cond.notify_all()

    def snapshot(self) -> LimiterState:
        """The limiter's current state."""
        with self._cond:
            paused = self._pause_remaining() > 0
            return LimiterState(
                name=self.name,
                limit=self._limit,
                in_flight=self._in_flight,
                waiting=len(self._queue),
                decreases=self._decreases,
                increases=self._increases,
                paused_until=self._paused_until if paused else None,
            )

    def _acquire(self) -> None:
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            try:
                while (delay := self._delay(ticket)) != 0.0:
                    self._wait(delay)
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()
            self._in_flight += 1

    def _release(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def _delay(self, ticket: object) -> float | None:
        """0.0 when `ticket` may enter now; else seconds of pause left, or None (wait for news)."""
        if self._queue[0] is not ticket:
            return None
        remaining = self._pause_remaining()
        if remaining > 0:
            return remaining
        return 0.0 if self._in_flight < self._limit else None

    def _wait(self, delay: float | None) -> None:
        """Wait with the lock released: for a notification, or out the rest of a pause."""
        if delay is None:
            self._cond.wait(_POLL_S)
        elif self._sleep is time.sleep:
            self._cond.wait(delay)
        else:
            self._cond.release()
            try:
                self._sleep(delay)
            finally:
                self._cond.acquire()

    def _pause_remaining(self) -> float:
        if self._paused_until is None:
            return 0.0
        remaining = self._paused_until - self._clock()
        if remaining <= 0:
            self._paused_until = None
            return 0.0
        return remaining


class LimiterRegistry:
    """One `ProviderLimiter` per (provider, base URL), created on first use with shared defaults."""

    def __init__(
        self,
        *,
        initial: int = 4,
        minimum: int = 1,
        maximum: int = 64,
        increase_every: int = 10,
        max_pause_s: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        # Every limiter of this registry is created with these settings.
        self._settings: dict[str, Any] = {
            "initial": initial,
            "minimum": minimum,
            "maximum": maximum,
            "increase_every": increase_every,
            "max_pause_s": max_pause_s,
            "clock": clock,
            "sleep": sleep,
        }
        self._lock = threading.Lock()
        self._limiters: dict[tuple[str, str | None], ProviderLimiter] = {}

    def for_provider(self, provider: str, base_url: str | None = None) -> ProviderLimiter:
        """The limiter for `provider` at `base_url` (None: the provider's default endpoint)."""
        url = base_url.rstrip("/") if base_url else None
        with self._lock:
            limiter = self._limiters.get((provider, url))
            if limiter is None:
                limiter = self._create(provider if url is None else f"{provider}@{url}")
                self._limiters[provider, url] = limiter
            return limiter

    def snapshot(self) -> list[LimiterState]:
        """The state of every limiter created so far, by name."""
        with self._lock:
            limiters = list(self._limiters.values())
        return sorted((limiter.snapshot() for limiter in limiters), key=lambda s: s.name)

    def _create(self, name: str) -> ProviderLimiter:
        return ProviderLimiter(name, **self._settings)


_DEFAULT_REGISTRY = LimiterRegistry(initial=8)


def default_registry() -> LimiterRegistry:
    """The process-wide registry that every model shares."""
    return _DEFAULT_REGISTRY


def is_rate_limit(exc: BaseException) -> bool:
    """Whether `exc` says the provider is rate limiting or overloaded (429, 503, 529)."""
    return status_code_of(exc) in RATE_LIMIT_STATUS
