"""Numerically stable streaming statistics (Welford), with a parallel merge."""

from __future__ import annotations

import math
from collections.abc import Iterable


def _check_value(x: object) -> float:
    """Return `x` as a float, or raise TypeError / ValueError if it is not a finite real."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"expected an int or float, got {type(x).__name__}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {x!r}")
    return value


class RunningStats:
    """Count, mean, variance, min and max of a stream, using Welford's algorithm."""

    def __init__(self, values: Iterable[float] = ()) -> None:
        self._n = 0
        self._mean = 0.0
        self._m2 = 0.0  # sum of squared deviations from the mean
        self._min: float = math.inf
        self._max: float = -math.inf
        self.extend(values)

    def push(self, x: float) -> None:
        """Add one finite int or float."""
        value = _check_value(x)
        self._n += 1
        delta = value - self._mean
        self._mean += delta / self._n
        self._m2 += delta * (value - self._mean)
        self._min = min(self._min, x)
        self._max = max(self._max, x)

    def extend(self, values: Iterable[float]) -> None:
        """Push every value of `values`, in order."""
        for x in values:
            self.push(x)

    def _require(self, n: int) -> None:
        if self._n < n:
            raise ValueError(f"needs at least {n} value(s), has {self._n}")

    @property
    def count(self) -> int:
        return self._n

    @property
    def mean(self) -> float:
        self._require(1)
        return self._mean

    @property
    def variance(self) -> float:
        self._require(1)
        return self._m2 / self._n

    @property
    def sample_variance(self) -> float:
        self._require(2)
        return self._m2 / (self._n - 1)

    @property
    def stddev(self) -> float:
        return math.sqrt(self.variance)

    @property
    def sample_stddev(self) -> float:
        return math.sqrt(self.sample_variance)

    @property
    def min(self) -> float:
        self._require(1)
        return self._min

    @property
    def max(self) -> float:
        self._require(1)
        return self._max

    def merge(self, other: RunningStats) -> RunningStats:
        """A new accumulator summarising both streams (Chan et al. parallel formula)."""
        merged = RunningStats()
        n = self._n + other._n
        if n == 0:
            return merged
        delta = other._mean - self._mean
        merged._n = n
        merged._mean = self._mean + delta * other._n / n
        merged._m2 = self._m2 + other._m2 + delta * delta * self._n * other._n / n
        merged._min = min(self._min, other._min)
        merged._max = max(self._max, other._max)
        return merged
