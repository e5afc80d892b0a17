"""Statistics for the experiment summary: bootstrap confidence intervals, paired differences.

Percentile bootstrap with a fixed seed, so a report is reproducible. A single observation has no
interval (low and high are None): one trial is never a finding.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from statistics import fmean

from pydantic import BaseModel

RESAMPLES = 10_000
CONFIDENCE = 0.95


class Estimate(BaseModel):
    """A mean with its bootstrap confidence interval."""

    mean: float
    low: float | None
    """Lower bound of the interval (None with fewer than two observations)."""
    high: float | None
    n: int
    """Observations."""
    confidence: float = CONFIDENCE
    method: str = f"percentile bootstrap, {RESAMPLES} resamples, seed 0"


def bootstrap_mean(
    values: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Estimate:
    """Mean of `values` with a percentile-bootstrap confidence interval."""
    if not values:
        raise ValueError("bootstrap_mean needs at least one value")
    mean = fmean(values)
    if len(values) < 2:
        return Estimate(mean=mean, low=None, high=None, n=len(values), confidence=confidence)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(fmean(rng.choices(values, k=n)) for _ in range(resamples))
    tail = (1 - confidence) / 2
    low = means[int(tail * (resamples - 1))]
    high = means[int((1 - tail) * (resamples - 1))]
    method = f"percentile bootstrap, {resamples} resamples, seed {seed}"
    return Estimate(mean=mean, low=low, high=high, n=n, confidence=confidence, method=method)


def paired_difference(a: Mapping[str, float], b: Mapping[str, float], *, seed: int = 0) -> Estimate:
    """Mean of a - b over the units (e.g. builder outputs) present in both, with its CI.

    Pairing on the same builder output removes the builder's variance from the comparison.
    """
    common = sorted(set(a) & set(b))
    if not common:
        raise ValueError("no unit is present in both arms")
    return bootstrap_mean([a[unit] - b[unit] for unit in common], seed=seed)


class ArmStatistics(BaseModel):
    """One metric across trials: each arm's mean with its CI, and each pair of arms' difference."""

    arms: dict[str, Estimate]
    """Per arm, over the units (builder outputs) where it has a value."""
    differences: dict[str, Estimate]
    """Per ordered pair "a - b", the paired difference over units that have both."""


def arm_statistics(values: Mapping[str, Mapping[str, float]], *, seed: int = 0) -> ArmStatistics:
    """Statistics of a metric given as values[unit][arm], e.g. fidelity per run and arm."""
    arms = sorted({arm for per_unit in values.values() for arm in per_unit})
    column = {arm: {u: v[arm] for u, v in values.items() if arm in v} for arm in arms}
    estimates = {arm: bootstrap_mean(list(column[arm].values()), seed=seed) for arm in arms}
    differences = {
        f"{a} - {b}": paired_difference(column[a], column[b], seed=seed)
        for a in arms
        for b in arms
        if a < b and set(column[a]) & set(column[b])
    }
    return ArmStatistics(arms=estimates, differences=differences)
