"""Token bucket and leaky bucket (as a meter)."""

from __future__ import annotations

import math
import time
from collections.abc import Hashable
from dataclasses import dataclass

from .base import Clock, KeyedLimiter, positive_int, positive_number


@dataclass
class _Bucket:
    amount: float
    updated: float


class TokenBucket(KeyedLimiter):
    """Each key has a bucket of up to `burst` tokens refilled at `rate` tokens per second.

    A new key starts with a full bucket. A request of `cost` needs `cost` tokens.
    """

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        super().__init__(clock)
        self.rate = positive_number(rate, "rate")
        self.burst = positive_int(burst, "burst")

    def _refill(self, key: Hashable, now: float) -> _Bucket:
        bucket = self._state.get(key)
        if bucket is None:
            bucket = self._state[key] = _Bucket(float(self.burst), now)
        elif now > bucket.updated:
            gained = (now - bucket.updated) * self.rate
            bucket.amount = min(float(self.burst), bucket.amount + gained)
            bucket.updated = now
        return bucket

    def _fits(self, key: Hashable, cost: int, now: float) -> bool:
        return self._refill(key, now).amount >= cost

    def _delay(self, key: Hashable, cost: int, now: float) -> float:
        if cost > self.burst:
            return math.inf
        return (cost - self._refill(key, now).amount) / self.rate

    def _consume(self, key: Hashable, cost: int, now: float) -> None:
        self._refill(key, now).amount -= cost


class LeakyBucket(KeyedLimiter):
    """Leaky bucket as a meter: a level that drains at `rate` units per second.

    A new key starts empty; a request of `cost` fits if the level plus `cost` stays
    within `capacity`, and then raises the level by `cost`.
    """

    def __init__(self, rate: float, capacity: float, clock: Clock = time.monotonic) -> None:
        super().__init__(clock)
        self.rate = positive_number(rate, "rate")
        self.capacity = positive_number(capacity, "capacity")

    def _drain(self, key: Hashable, now: float) -> _Bucket:
        bucket = self._state.get(key)
        if bucket is None:
            bucket = self._state[key] = _Bucket(0.0, now)
        elif now > bucket.updated:
            bucket.amount = max(0.0, bucket.amount - (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def _fits(self, key: Hashable, cost: int, now: float) -> bool:
        return self._drain(key, now).amount + cost <= self.capacity

    def _delay(self, key: Hashable, cost: int, now: float) -> float:
        if cost > self.capacity:
            return math.inf
        return (self._drain(key, now).amount + cost - self.capacity) / self.rate

    def _consume(self, key: Hashable, cost: int, now: float) -> None:
        self._drain(key, now).amount += cost
