"""One way to write numbers in every report and on the console: rates, money, durations, scores
and estimates with their intervals."""

from __future__ import annotations

import math

from analysis._stats import Estimate

UNDEFINED = "undefined"
"""What a value that does not exist (fidelity when the original passes nothing) prints as."""


def rate(value: float | None, digits: int = 0) -> str:
    """A share as a percentage, e.g. 0.5 -> '50%' (`digits` after the point)."""
    return UNDEFINED if value is None else f"{value:.{digits}%}"


def usd(value: float | None, digits: int = 4) -> str:
    """Money in US dollars, e.g. '$0.0123'; an unknown price prints as 'unknown'."""
    return "unknown" if value is None else f"${value:.{digits}f}"


def duration(seconds: float | None) -> str:
    """Seconds as '850 ms', '12.3 s', '4 min 05 s' or '2 h 03 min'."""
    if seconds is None:
        return UNDEFINED
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest:02d} s"
    hours, rest = divmod(round(seconds) // 60, 60)
    return f"{hours} h {rest:02d} min"


def score(value: float | None) -> str:
    """A 0..1 similarity with 3 decimals, rounded down: only an identical pair shows 1."""
    if value is None:
        return UNDEFINED
    if value >= 1:
        return "1"
    # The epsilon keeps 0.29 (stored as 0.28999...) from flooring to 0.289.
    return f"{min(math.floor(value * 1000 + 1e-9) / 1000, 0.999):.3f}"


def ratio(value: float | None, digits: int = 2) -> str:
    """A plain number with `digits` decimals (e.g. a fidelity of 0.83)."""
    return UNDEFINED if value is None else f"{value:.{digits}f}"


def estimate(value: Estimate | None, kind: str = "rate", digits: int = 1) -> str:
    """A mean and its interval, e.g. '62.5% [48.0%, 75.0%] (n=12)'; n=1 says it has none."""
    if value is None:
        return UNDEFINED
    show = (lambda x: rate(x, digits)) if kind == "rate" else (lambda x: ratio(x, digits + 1))
    if value.low is None or value.high is None:
        return f"{show(value.mean)} (n={value.n}: no interval)"
    return f"{show(value.mean)} [{show(value.low)}, {show(value.high)}] (n={value.n})"
