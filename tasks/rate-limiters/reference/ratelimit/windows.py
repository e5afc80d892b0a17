"""Window-based limiters: fixed window, sliding window log and sliding window counter."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field

from .base import Clock, KeyedLimiter, positive_int, positive_number


class _WindowLimiter(KeyedLimiter):
    """Shared parameters: at most `limit` units per `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic) -> None:
        super().__init__(clock)
        self.limit = positive_int(limit, "limit")
        self.window = positive_number(window, "window")

    def _index(self, now: float) -> int:
        """The aligned window containing `now`: windows start at multiples of `window`."""
        return math.floor(now / self.window)


@dataclass
class _Counts:
    index: int
    current: int = 0
    previous: int = 0


class FixedWindow(_WindowLimiter):
    """Counts units per aligned window `[k * window, (k + 1) * window)`."""

    def _counts(self, key: Hashable, now: float) -> _Counts:
        index = self._index(now)
        counts = self._state.get(key)
        if counts is None or counts.index != index:
            counts = self._state[key] = _Counts(index)
        return counts

    def _fits(self, key: Hashable, cost: int, now: float) -> bool:
        return self._counts(key, now).current + cost <= self.limit

    def _delay(self, key: Hashable, cost: int, now: float) -> float:
        if cost > self.limit:
            return math.inf
        return (self._counts(key, now).index + 1) * self.window - now

    def _consume(self, key: Hashable, cost: int, now: float) -> None:
        self._counts(key, now).current += cost


@dataclass
class _Log:
    entries: deque[tuple[float, int]] = field(default_factory=deque)
    used: int = 0


class SlidingWindowLog(_WindowLimiter):
    """Keeps every admitted request; one made at `t` counts while `now < t + window`."""

    def _log(self, key: Hashable, now: float) -> _Log:
        log = self._state.get(key)
        if log is None:
            log = self._state[key] = _Log()
        while log.entries and log.entries[0][0] + self.window <= now:
            log.used -= log.entries.popleft()[1]
        return log

    def _fits(self, key: Hashable, cost: int, now: float) -> bool:
        return self._log(key, now).used + cost <= self.limit

    def _delay(self, key: Hashable, cost: int, now: float) -> float:
        if cost > self.limit:
            return math.inf
        log = self._log(key, now)
        remaining = log.used
        for stamp, units in log.entries:
            remaining -= units
            if remaining + cost <= self.limit:
                return stamp + self.window - now
        raise AssertionError("unreachable: every entry eventually expires")

    def _consume(self, key: Hashable, cost: int, now: float) -> None:
        log = self._log(key, now)
        log.entries.append((now, cost))
        log.used += cost


class SlidingWindowCounter(_WindowLimiter):
    """Approximates a sliding window from the counts of the current and previous window.

    estimate = previous * (1 - elapsed / window) + current, where `elapsed` is the time
    since the start of the current aligned window.
    """

    def _counts(self, key: Hashable, now: float) -> _Counts:
        index = self._index(now)
        counts = self._state.get(key)
        if counts is None:
            counts = self._state[key] = _Counts(index)
        elif counts.index != index:
            previous = counts.current if counts.index == index - 1 else 0
            counts = self._state[key] = _Counts(index, 0, previous)
        return counts

    def _estimate(self, counts: _Counts, now: float) -> float:
        elapsed = now - counts.index * self.window
        return counts.previous * (1 - elapsed / self.window) + counts.current

    def _fits(self, key: Hashable, cost: int, now: float) -> bool:
        return self._estimate(self._counts(key, now), now) + cost <= self.limit

    def _delay(self, key: Hashable, cost: int, now: float) -> float:
        if cost > self.limit:
            return math.inf
        counts = self._counts(key, now)
        start = counts.index * self.window
        if counts.current + cost <= self.limit:
            # The previous window's weight fades within this window.
            fraction = 1 - (self.limit - cost - counts.current) / counts.previous
            return start + fraction * self.window - now
        # Wait for the next window, where the current count becomes the fading one.
        fraction = max(0.0, 1 - (self.limit - cost) / counts.current)
        return start + self.window + fraction * self.window - now

    def _consume(self, key: Hashable, cost: int, now: float) -> None:
        self._counts(key, now).current += cost
