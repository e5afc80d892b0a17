"""Statistics for the summaries and the labs: bootstrap intervals (plain, paired and by cluster),
proportions with Wilson intervals, and Holm's correction for many comparisons.

Percentile bootstrap with a fixed seed, so a report is reproducible. A single observation has no
interval (low and high are None): one trial is never a finding.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist, fmean

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


def cluster_bootstrap(
    clusters: Mapping[str, Sequence[float]],
    statistic: Callable[[Sequence[Sequence[float]]], float] | None = None,
    *,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Estimate:
    """A statistic over clustered observations, with an interval that resamples whole clusters.

    Observations within a cluster (the variants of one test case, the repeats of one prompt) are
    not independent: resampling clusters, not observations, keeps the interval honest. The
    default statistic is the mean of the cluster means (each cluster weighs the same).
    """
    groups = [list(values) for values in clusters.values() if len(values) > 0]
    if not groups:
        raise ValueError("cluster_bootstrap needs at least one non-empty cluster")
    compute = statistic or _mean_of_means
    point = compute(groups)
    if len(groups) < 2:
        return Estimate(mean=point, low=None, high=None, n=len(groups), confidence=confidence)
    rng = random.Random(seed)
    draws = sorted(compute(rng.choices(groups, k=len(groups))) for _ in range(resamples))
    tail = (1 - confidence) / 2
    method = f"cluster bootstrap over {len(groups)} clusters, {resamples} resamples, seed {seed}"
    return Estimate(
        mean=point,
        low=draws[int(tail * (resamples - 1))],
        high=draws[int((1 - tail) * (resamples - 1))],
        n=len(groups),
        confidence=confidence,
        method=method,
    )


def _mean_of_means(groups: Sequence[Sequence[float]]) -> float:
    return fmean(fmean(group) for group in groups)


def holm_adjust(p_values: Mapping[str, float]) -> dict[str, float]:
    """Holm-Bonferroni adjusted p-values (family-wise error control), by the same keys."""
    ordered = sorted(p_values.items(), key=lambda item: item[1])
    m = len(ordered)
    adjusted: dict[str, float] = {}
    running = 0.0
    for rank, (key, p) in enumerate(ordered):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[key] = running
    return {key: adjusted[key] for key in p_values}


def wilson_interval(successes: int, n: int, *, confidence: float = CONFIDENCE) -> Estimate:
    """A proportion with its Wilson score interval (sound at 0 %, 100 % and small n)."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(
            f"wilson_interval needs 0 <= successes <= n and n > 0, got {successes}/{n}"
        )
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(
        mean=p,
        # Exact at the ends: rounding must not lift 0 % above 0 or 100 % below 1.
        low=0.0 if successes == 0 else max(0.0, centre - half),
        high=1.0 if successes == n else min(1.0, centre + half),
        n=n,
        confidence=confidence,
        method="Wilson score interval",
    )
