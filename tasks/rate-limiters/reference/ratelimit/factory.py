"""`create`: build limiters from compact specifications.

String form: ``name:param=value,param=value``, several joined by ``|`` for a composite,
e.g. ``"token_bucket:rate=5/s,burst=10 | fixed_window:limit=100,window=1h"``.
Dict form: ``{"type": name, param: value, ...}`` or
``{"type": "composite", "limiters": [spec, ...]}``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from .base import Clock, Limiter
from .buckets import LeakyBucket, TokenBucket
from .composite import CompositeLimiter
from .errors import SpecError
from .windows import FixedWindow, SlidingWindowCounter, SlidingWindowLog

UNITS: dict[str, float] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
"""Seconds per time unit."""

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_UNIT = "|".join(UNITS)
_INT_RE = re.compile(r"[0-9]+")
_NUMBER_RE = re.compile(_NUMBER)
_DURATION_RE = re.compile(rf"(?P<amount>{_NUMBER})(?P<unit>{_UNIT})?")
_RATE_RE = re.compile(rf"(?P<count>{_NUMBER})(?:/(?P<amount>{_NUMBER})?(?P<unit>{_UNIT}))?")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive(value: float, name: str) -> float:
    if not value > 0:
        raise SpecError(f"{name} must be greater than zero, got {value!r}")
    return value


def parse_int(value: Any, name: str = "value") -> int:
    """A positive int given as an int or as digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(_positive(value, name))
    if isinstance(value, str) and _INT_RE.fullmatch(value):
        return int(_positive(int(value), name))
    raise SpecError(f"{name} must be a positive integer, got {value!r}")


def parse_number(value: Any, name: str = "value") -> float:
    """A positive number given as an int/float or as ``12`` / ``1.5``."""
    if _is_number(value):
        return _positive(float(value), name)
    if isinstance(value, str) and _NUMBER_RE.fullmatch(value):
        return _positive(float(value), name)
    raise SpecError(f"{name} must be a positive number, got {value!r}")


def parse_duration(value: Any, name: str = "window") -> float:
    """Seconds, from a number or a string like ``10``, ``10s``, ``500ms``, ``1.5m``, ``2h``."""
    if _is_number(value):
        return _positive(float(value), name)
    match = _DURATION_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise SpecError(f"{name} must be a duration like '10s' or '1m', got {value!r}")
    seconds = float(match["amount"]) * UNITS[match["unit"] or "s"]
    return _positive(seconds, name)


def parse_rate(value: Any, name: str = "rate") -> float:
    """Units per second, from a number or a string like ``5``, ``5/s``, ``100/m``, ``3/10s``."""
    if _is_number(value):
        return _positive(float(value), name)
    match = _RATE_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise SpecError(f"{name} must be a rate like '5/s' or '100/m', got {value!r}")
    count = _positive(float(match["count"]), name)
    if match["unit"] is None:
        return count
    per = float(match["amount"] or 1) * UNITS[match["unit"]]
    return count / _positive(per, name)


_Parser = Callable[[Any, str], float | int]
_KINDS: dict[str, tuple[Callable[..., Limiter], dict[str, _Parser]]] = {
    "token_bucket": (TokenBucket, {"rate": parse_rate, "burst": parse_int}),
    "leaky_bucket": (LeakyBucket, {"rate": parse_rate, "capacity": parse_number}),
    "fixed_window": (FixedWindow, {"limit": parse_int, "window": parse_duration}),
    "sliding_log": (SlidingWindowLog, {"limit": parse_int, "window": parse_duration}),
    "sliding_counter": (SlidingWindowCounter, {"limit": parse_int, "window": parse_duration}),
}
"""Limiter kinds by spec name: the class and a parser for each (required) parameter."""


def _build(kind: Any, params: Mapping[str, Any], clock: Clock) -> Limiter:
    if not isinstance(kind, str) or kind not in _KINDS:
        raise SpecError(f"unknown limiter type {kind!r}; expected one of {sorted(_KINDS)}")
    cls, parsers = _KINDS[kind]
    unknown = set(params) - set(parsers)
    if unknown:
        raise SpecError(f"{kind}: unknown parameter(s) {sorted(unknown)}")
    missing = set(parsers) - set(params)
    if missing:
        raise SpecError(f"{kind}: missing parameter(s) {sorted(missing)}")
    values = {name: parse(params[name], name) for name, parse in parsers.items()}
    try:
        return cls(**values, clock=clock)
    except ValueError as exc:
        raise SpecError(f"{kind}: {exc}") from None


def _from_text(spec: str, clock: Clock) -> Limiter:
    limiters = [_one_from_text(part.strip(), clock) for part in spec.split("|")]
    return limiters[0] if len(limiters) == 1 else CompositeLimiter(limiters)


def _one_from_text(spec: str, clock: Clock) -> Limiter:
    kind, colon, rest = spec.partition(":")
    if not colon:
        raise SpecError(f"expected 'name:param=value,...', got {spec!r}")
    params: dict[str, str] = {}
    for item in rest.split(","):
        key, equals, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not key or not value:
            raise SpecError(f"expected 'param=value', got {item.strip()!r}")
        if key in params:
            raise SpecError(f"parameter {key!r} given twice")
        params[key] = value
    return _build(kind.strip(), params, clock)


def _from_dict(spec: Mapping[str, Any], clock: Clock) -> Limiter:
    if "type" not in spec:
        raise SpecError("a dict spec needs a 'type' key")
    params = {key: value for key, value in spec.items() if key != "type"}
    if spec["type"] != "composite":
        return _build(spec["type"], params, clock)
    members = params.pop("limiters", None)
    if params:
        raise SpecError(f"composite: unknown key(s) {sorted(params)}")
    if not isinstance(members, list | tuple) or not members:
        raise SpecError("composite: 'limiters' must be a non-empty list of specs")
    return CompositeLimiter(create(member, clock) for member in members)


def create(spec: str | Mapping[str, Any], clock: Clock = time.monotonic) -> Limiter:
    """Build a limiter (or a CompositeLimiter) from a string or dict spec.

    Raises SpecError (a ValueError) for any malformed spec.
    """
    if isinstance(spec, str):
        return _from_text(spec, clock)
    if isinstance(spec, Mapping):
        return _from_dict(spec, clock)
    raise SpecError(f"a spec must be a str or a dict, got {type(spec).__name__}")
