"""The common interface of all limiters and the validation helpers they share."""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from typing import Any

Clock = Callable[[], float]
"""A zero-argument callable returning the current time in seconds."""


def positive_number(value: Any, name: str) -> float:
    """`value` as a float; ValueError unless it is a finite int or float > 0 (not bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def positive_int(value: Any, name: str) -> int:
    """`value` itself; ValueError unless it is an int > 0 (not bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


class Limiter(ABC):
    """The interface shared by every limiter: per-key `allow`, `retry_after` and `reset`."""

    @abstractmethod
    def allow(self, key: Hashable, cost: int = 1) -> bool:
        """Consume `cost` units for `key` and return True, or consume nothing and return False."""

    @abstractmethod
    def retry_after(self, key: Hashable, cost: int = 1) -> float:
        """Seconds until `allow(key, cost)` would succeed if nothing else happened.

        0.0 if it would succeed now; `math.inf` if it never can (cost above capacity).
        """

    @abstractmethod
    def reset(self, key: Hashable | None = None) -> None:
        """Forget the state of `key`, or of every key when `key` is None."""

    @abstractmethod
    def _leaves(self) -> list[KeyedLimiter]:
        """The basic limiters this limiter is made of, in order."""


class KeyedLimiter(Limiter):
    """A basic limiter: one lock, one clock and a dict of per-key state.

    Subclasses implement `_fits`, `_delay` and `_consume`, which are called with the
    lock held and may bring the key's state up to date with `now`.
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._state: dict[Hashable, Any] = {}

    def allow(self, key: Hashable, cost: int = 1) -> bool:
        positive_int(cost, "cost")
        with self._lock:
            now = self.clock()
            if not self._fits(key, cost, now):
                return False
            self._consume(key, cost, now)
            return True

    def retry_after(self, key: Hashable, cost: int = 1) -> float:
        positive_int(cost, "cost")
        with self._lock:
            now = self.clock()
            return 0.0 if self._fits(key, cost, now) else self._delay(key, cost, now)

    def reset(self, key: Hashable | None = None) -> None:
        with self._lock:
            if key is None:
                self._state.clear()
            else:
                self._state.pop(key, None)

    def _leaves(self) -> list[KeyedLimiter]:
        return [self]

    @abstractmethod
    def _fits(self, key: Hashable, cost: int, now: float) -> bool:
        """Whether a request of `cost` for `key` is admitted at time `now`."""

    @abstractmethod
    def _delay(self, key: Hashable, cost: int, now: float) -> float:
        """Seconds until `cost` fits, given that it does not fit now; inf if never."""

    @abstractmethod
    def _consume(self, key: Hashable, cost: int, now: float) -> None:
        """Record a request of `cost` that `_fits` has just admitted."""
