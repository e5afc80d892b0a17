"""Statistics the lab adds to analysis' own: Cohen's kappa with a bootstrap interval, a share of
hits over items that hold several (resampled by item), percentile intervals of a list, and a
sign-flip randomisation p-value for paired differences (Holm-adjusted across fixes)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Sequence
from statistics import fmean

from analysis import Estimate, cluster_bootstrap

RESAMPLES = 2000
"""Resamples for the intervals computed here (kappa, ratio of sums)."""


def kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters over the same items: (po - pe) / (1 - pe); None when it is
    undefined (both raters gave one and the same label throughout).

    Written out (the tests check it against scikit-learn's cohen_kappa_score) because the
    bootstrap calls it thousands of times.
    """
    n = len(a)
    if n < 2 or n != len(b):
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    first, second = Counter(a), Counter(b)
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def kappa_estimate(
    a: Sequence[Hashable], b: Sequence[Hashable], *, seed: int = 0
) -> Estimate | None:
    """Kappa with a percentile-bootstrap interval over items."""
    point = kappa(a, b)
    if point is None:
        return None
    rng = random.Random(seed)
    n = len(a)
    draws: list[float] = []
    for _ in range(RESAMPLES):
        rows = rng.choices(range(n), k=n)
        value = kappa([a[i] for i in rows], [b[i] for i in rows])
        if value is not None:
            draws.append(value)
    return _estimate(point, draws, n, f"kappa, bootstrap over {n} items, {RESAMPLES} resamples")


def hit_share(items: dict[str, tuple[int, int]], *, seed: int = 0) -> Estimate | None:
    """Σ hits ÷ Σ chances over items given as {item: (hits, chances)}, resampled by item.

    Recall of planted missing constraints: the hits of one prompt are not independent, so
    whole prompts are resampled.
    """
    groups = {key: [float(h), float(c)] for key, (h, c) in items.items() if c > 0}
    if not groups:
        return None

    def ratio(chosen: Sequence[Sequence[float]]) -> float:
        chances = sum(g[1] for g in chosen)
        return sum(g[0] for g in chosen) / chances if chances else 0.0

    result = cluster_bootstrap(groups, ratio, resamples=RESAMPLES, seed=seed)
    return result.model_copy(update={"method": f"ratio of sums; {result.method}"})


def spread(values: Sequence[float]) -> Estimate | None:
    """The mean of `values` with their 2.5th and 97.5th percentiles (not a bootstrap)."""
    if not values:
        return None
    import numpy as np

    low, high = (float(q) for q in np.percentile(values, [2.5, 97.5]))
    return Estimate(
        mean=fmean(values),
        low=low,
        high=high,
        n=len(values),
        method="mean with the 2.5th-97.5th percentiles of the values",
    )


def _estimate(point: float, draws: list[float], n: int, method: str) -> Estimate:
    if len(draws) < 2:
        return Estimate(mean=point, low=None, high=None, n=n, method=method)
    draws.sort()
    return Estimate(
        mean=point,
        low=draws[int(0.025 * (len(draws) - 1))],
        high=draws[int(0.975 * (len(draws) - 1))],
        n=n,
        method=method,
    )


def sign_flip_p(
    differences: Sequence[float], *, seed: int = 0, draws: int = 10_000
) -> float | None:
    """Two-sided p-value of a zero mean paired difference by random sign flips (exact below
    13 pairs)."""
    n = len(differences)
    if n < 2:
        return None
    observed = abs(fmean(differences))
    if n <= 12:
        total = 1 << n
        extreme = sum(
            abs(fmean([d if mask >> i & 1 else -d for i, d in enumerate(differences)]))
            >= observed - 1e-12
            for mask in range(total)
        )
        return extreme / total
    rng = random.Random(seed)
    extreme = sum(
        abs(fmean([d if rng.random() < 0.5 else -d for d in differences])) >= observed - 1e-12
        for _ in range(draws)
    )
    return (extreme + 1) / (draws + 1)
