"""The built-in functions bound in every global scope."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from typing import Any

from .values import Builtin, is_number, to_display, type_name

_INT_TEXT = re.compile(r"-?[0-9]+")
_FLOAT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class BuiltinError(Exception):
    """Raised by a builtin; the evaluator turns it into an EvalError at the call."""


def _len(value: Any) -> int:
    if not isinstance(value, str):
        raise BuiltinError(f"len() expects a string, got {type_name(value)}")
    return len(value)


def _int(value: Any) -> int:
    if is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise BuiltinError("int() cannot convert a non-finite float")
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        return int(value)
    raise BuiltinError(f"int() cannot convert {to_display(value)!r}")


def _float(value: Any) -> float:
    if is_number(value):
        return float(value)
    if isinstance(value, str) and _FLOAT_TEXT.fullmatch(value):
        return float(value)
    raise BuiltinError(f"float() cannot convert {to_display(value)!r}")


def _abs(value: Any) -> int | float:
    if not is_number(value):
        raise BuiltinError(f"abs() expects a number, got {type_name(value)}")
    return abs(value)


def _extreme(name: str, pick: Callable[[tuple[Any, ...]], Any]) -> Callable[..., Any]:
    """`min` or `max` over one or more numbers or one or more strings."""

    def extreme(*args: Any) -> Any:
        if all(is_number(arg) for arg in args) or all(isinstance(arg, str) for arg in args):
            return pick(args)
        raise BuiltinError(f"{name}() expects all numbers or all strings")

    return extreme


def _print(*args: Any) -> None:
    sys.stdout.write(" ".join(to_display(arg) for arg in args) + "\n")


BUILTINS: tuple[Builtin, ...] = (
    Builtin("len", 1, 1, _len),
    Builtin("str", 1, 1, to_display),
    Builtin("int", 1, 1, _int),
    Builtin("float", 1, 1, _float),
    Builtin("abs", 1, 1, _abs),
    Builtin("min", 1, None, _extreme("min", min)),
    Builtin("max", 1, None, _extreme("max", max)),
    Builtin("type", 1, 1, type_name),
    Builtin("print", 0, None, _print),
)
"""Every builtin, bound under its name in each new interpreter."""
