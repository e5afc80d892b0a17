"""Runtime values: functions, scopes and the helpers that classify values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .nodes import Node


class Scope:
    """A mapping of names to values with an optional enclosing scope."""

    __slots__ = ("parent", "variables")

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.variables: dict[str, Any] = {}

    def find(self, name: str) -> Scope | None:
        """The innermost scope (this one or an enclosing one) that binds `name`."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.variables:
                return scope
            scope = scope.parent
        return None


@dataclass(eq=False)
class Function:
    """A user-defined function: parameters, body and the scope it closes over."""

    params: tuple[str, ...]
    body: Node
    scope: Scope = field(repr=False)


@dataclass(eq=False, frozen=True)
class Builtin:
    """A function provided by the interpreter itself."""

    name: str
    min_args: int
    max_args: int | None
    impl: Callable[..., Any] = field(repr=False)


def is_number(value: Any) -> bool:
    """Ints and floats are numbers; booleans are not."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_callable(value: Any) -> bool:
    """Whether a value can be called from the language."""
    return isinstance(value, Function | Builtin) or callable(value)


def truthy(value: Any) -> bool:
    """Only `false` and `nil` are falsy."""
    return value is not None and value is not False


def type_name(value: Any) -> str:
    """The language-level type of a value, as returned by the `type` builtin."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if is_callable(value):
        return "function"
    return type(value).__name__


def to_display(value: Any) -> str:
    """The text form of a value, as returned by the `str` builtin."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Function):
        return "<fn>"
    return "<builtin>"


def values_equal(left: Any, right: Any) -> bool:
    """Language equality: numbers by value, other values only within one type."""
    if is_number(left) and is_number(right):
        return bool(left == right)
    if type(left) is not type(right):
        return False
    if left is None or isinstance(left, str | bool):
        return bool(left == right)
    return left is right
