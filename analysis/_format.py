"""One way to write numbers in every report and on the console: rates, money, durations, scores,
and estimates with their intervals. Each report keeps the precision it has always shown; what is
defined once is how a number of each kind is written.

`value`, `interval` and `estimate` are the summary's and the post's formatters: the post's number
check formats every number of the results with them, so a number in a post can be traced back.
"""

from __future__ import annotations

import math
from typing import Literal

from analysis._stats import Estimate

Kind = Literal["pct", "ratio", "count", "usd"]
"""What a number is: a share (shown in %), a ratio, a count, or US dollars."""
UNDEFINED = "undefined"
"""What a value that does not exist (fidelity when the original passes nothing) prints as."""
NO_INTERVAL = "n=1: no interval"
"""Said instead of an interval for a single observation: one trial is never a finding."""
_DIGITS: dict[Kind, int] = {"pct": 0, "ratio": 2, "count": 0, "usd": 4}


def rate(value: float | None, digits: int = 0) -> str:
    """A share as a percentage, e.g. 0.5 -> '50%' (`digits` after the point)."""
    return UNDEFINED if value is None else f"{value:.{digits}%}"


def ratio(value: float | None, digits: int = 2) -> str:
    """A plain number with `digits` decimals (e.g. a fidelity of 0.83)."""
    return UNDEFINED if value is None else f"{value:.{digits}f}"


def usd(value: float | None, digits: int = 4) -> str:
    """Money in US dollars, e.g. '$0.0123'; an unknown price prints as 'unknown'."""
    return "unknown" if value is None else f"${value:.{digits}f}"


def number(value: float | None, missing: str = "—") -> str:
    """A count as a whole number, anything else with 2 decimals; `missing` for None."""
    if value is None:
        return missing
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def signed(value: float) -> str:
    """A change with its sign, e.g. '+3' or '-0.25'."""
    return f"{value:+.0f}" if float(value).is_integer() else f"{value:+.2f}"


def seconds(value: float) -> str:
    """A short duration in seconds: '2.31 s' under 10 s, '12.3 s' above."""
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def duration(value: float | None) -> str:
    """Any duration: '850 ms', '12.3 s', '4 min 05 s' or '2 h 03 min'."""
    if value is None:
        return UNDEFINED
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    if value < 3600:
        minutes, rest = divmod(round(value), 60)
        return f"{minutes} min {rest:02d} s"
    hours, rest = divmod(round(value) // 60, 60)
    return f"{hours} h {rest:02d} min"


def score(value: float | None) -> str:
    """A 0..1 similarity with 3 decimals, rounded down: only an identical pair shows 1."""
    if value is None:
        return UNDEFINED
    if value >= 1:
        return "1"
    # The epsilon keeps 0.29 (stored as 0.28999...) from flooring to 0.289.
    return f"{min(math.floor(value * 1000 + 1e-9) / 1000, 0.999):.3f}"


def value(number: float, kind: Kind, *, difference: bool = False) -> str:
    """One number as the summaries write it: 45%, 0.82, 149, $0.0123; a difference is signed
    (and a difference of shares is in percentage points)."""
    shown = number * 100 if kind == "pct" else number
    sign = "+" if difference else ""
    text = f"{shown:{sign}.{_DIGITS[kind]}f}"
    if not any(c in "123456789" for c in text):
        text = text.lstrip("+-")  # no "-0.00"
    if kind == "pct":
        return f"{text} pp" if difference else f"{text}%"
    return f"${text}" if kind == "usd" else text


def interval(est: Estimate, kind: Kind, *, difference: bool = False) -> str:
    """The CI as "[low, high]", or NO_INTERVAL for a single observation."""
    if est.low is None or est.high is None:
        return NO_INTERVAL
    low, high = value(est.low, kind), value(est.high, kind)
    if difference:
        low, high = low.replace("%", " pp"), high.replace("%", " pp")
    return f"[{low}, {high}]"


def estimate(est: Estimate | None, kind: Kind = "pct", *, difference: bool = False) -> str:
    """Mean and CI: "82% [71%, 93%]", "0.82 [0.71, 0.93]" or "0.82 (n=1: no interval)"."""
    if est is None:
        return UNDEFINED
    mean = value(est.mean, kind, difference=difference)
    around = interval(est, kind, difference=difference)
    return f"{mean} ({around})" if est.low is None else f"{mean} {around}"
