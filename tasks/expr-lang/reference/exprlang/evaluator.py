"""Tree-walking evaluation of parsed programs."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from . import nodes
from .builtins import BUILTINS, BuiltinError
from .errors import EvalError
from .parser import parse
from .values import (
    Builtin,
    Function,
    Scope,
    is_callable,
    is_number,
    to_display,
    truthy,
    type_name,
    values_equal,
)

MAX_CALL_DEPTH = 100
"""How many user-function calls may be active at once."""

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _fail(node: nodes.Node, message: str) -> EvalError:
    return EvalError(message, node.line, node.column)


def _power(node: nodes.Node, base: Any, exponent: Any) -> int | float:
    if base == 0 and exponent < 0:
        raise _fail(node, "division by zero")
    if base < 0 and isinstance(exponent, float) and not exponent.is_integer():
        raise _fail(node, "result is not a real number")
    try:
        result = base**exponent
    except (OverflowError, ZeroDivisionError) as exc:
        raise _fail(node, f"invalid power: {exc}") from None
    if isinstance(result, complex):
        raise _fail(node, "result is not a real number")
    return result  # type: ignore[no-any-return]


def _arithmetic(node: nodes.Binary, left: Any, right: Any) -> Any:
    op = node.op
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if not (is_number(left) and is_number(right)):
        raise _fail(node, f"cannot apply {op!r} to {type_name(left)} and {type_name(right)}")
    if op == "^":
        return _power(node, left, right)
    if op in ("/", "%") and right == 0:
        raise _fail(node, "division by zero")
    try:
        return _ARITHMETIC[op](left, right)
    except OverflowError as exc:
        raise _fail(node, f"arithmetic overflow: {exc}") from None


def _binary(node: nodes.Binary, left: Any, right: Any) -> Any:
    if node.op == "==":
        return values_equal(left, right)
    if node.op == "!=":
        return not values_equal(left, right)
    if node.op in _ORDERING:
        comparable = (is_number(left) and is_number(right)) or (
            isinstance(left, str) and isinstance(right, str)
        )
        if not comparable:
            raise _fail(node, f"cannot compare {type_name(left)} and {type_name(right)}")
        return _ORDERING[node.op](left, right)
    return _arithmetic(node, left, right)


class Interpreter:
    """Evaluates programs in one global scope that persists across `run` calls."""

    def __init__(self, env: Mapping[str, Any] | None = None) -> None:
        self._globals = Scope()
        self._globals.variables.update({builtin.name: builtin for builtin in BUILTINS})
        self._globals.variables.update(env or {})
        self._depth = 0

    # -- public API ------------------------------------------------------------

    def run(self, src: str) -> Any:
        """Parse and evaluate `src`; return the value of its last expression (nil if none)."""
        program = parse(src)
        self._depth = 0
        try:
            return self._eval_sequence(program.body, self._globals)
        except RecursionError:
            raise EvalError("maximum recursion depth exceeded", 0, 0) from None

    def define(self, name: str, value: Any) -> None:
        """Bind `name` to a host value or callable in the global scope."""
        self._globals.variables[name] = value

    def get(self, name: str) -> Any:
        """The value bound to `name` in the global scope; KeyError if unbound."""
        return self._globals.variables[name]

    def call(self, function: Any, *args: Any) -> Any:
        """Call a function value of the language from Python."""
        self._depth = 0
        try:
            return self._invoke(function, list(args), nodes.Literal(0, 0, None))
        except RecursionError:
            raise EvalError("maximum recursion depth exceeded", 0, 0) from None

    def _eval_sequence(self, items: tuple[nodes.Node, ...], scope: Scope) -> Any:
        result = None
        for item in items:
            result = self._eval(item, scope)
        return result

    def _eval(self, node: nodes.Node, scope: Scope) -> Any:
        match node:
            case nodes.Literal(value=value):
                return value
            case nodes.Name(name=name):
                owner = scope.find(name)
                if owner is None:
                    raise _fail(node, f"undefined variable {name!r}")
                return owner.variables[name]
            case nodes.Unary(op="not", operand=operand):
                return not truthy(self._eval(operand, scope))
            case nodes.Unary(operand=operand):
                value = self._eval(operand, scope)
                if not is_number(value):
                    raise _fail(node, f"cannot negate {type_name(value)}")
                return -value
            case nodes.Binary(op="and" | "or" as op, left=left, right=right):
                left_value = self._eval(left, scope)
                if truthy(left_value) == (op == "or"):
                    return left_value
                return self._eval(right, scope)
            case nodes.Binary(left=left, right=right):
                left_value = self._eval(left, scope)
                return _binary(node, left_value, self._eval(right, scope))
            case nodes.If(cond=cond, then=then, otherwise=otherwise):
                branch = then if truthy(self._eval(cond, scope)) else otherwise
                return self._eval(branch, scope)
            case nodes.Let(name=name, value=value):
                result = self._eval(value, scope)
                scope.variables[name] = result
                return result
            case nodes.Assign(name=name, value=value):
                result = self._eval(value, scope)
                owner = scope.find(name)
                if owner is None:
                    raise _fail(node, f"cannot assign to undefined variable {name!r}")
                owner.variables[name] = result
                return result
            case nodes.FnDef(params=params, body=body):
                return Function(params, body, scope)
            case nodes.Block(body=body):
                return self._eval_sequence(body, Scope(scope))
            case nodes.Call(callee=callee, args=args):
                function = self._eval(callee, scope)
                arg_values = [self._eval(arg, scope) for arg in args]
                return self._invoke(function, arg_values, node)
        raise TypeError(f"cannot evaluate {node!r}")

    def _invoke(self, function: Any, args: list[Any], node: nodes.Node) -> Any:
        if isinstance(function, Function):
            return self._call_function(function, args, node)
        if isinstance(function, Builtin):
            return self._call_builtin(function, args, node)
        if is_callable(function):
            return function(*args)
        raise _fail(node, f"{to_display(function)!r} ({type_name(function)}) is not callable")

    def _call_function(self, function: Function, args: list[Any], node: nodes.Node) -> Any:
        if len(args) != len(function.params):
            raise _fail(node, f"expected {len(function.params)} argument(s), got {len(args)}")
        if self._depth >= MAX_CALL_DEPTH:
            raise _fail(node, "maximum recursion depth exceeded")
        scope = Scope(function.scope)
        scope.variables.update(zip(function.params, args, strict=True))
        self._depth += 1
        try:
            return self._eval(function.body, scope)
        except RecursionError:
            raise _fail(node, "maximum recursion depth exceeded") from None
        finally:
            self._depth -= 1

    def _call_builtin(self, builtin: Builtin, args: list[Any], node: nodes.Node) -> Any:
        too_many = builtin.max_args is not None and len(args) > builtin.max_args
        if len(args) < builtin.min_args or too_many:
            raise _fail(node, f"wrong number of arguments to {builtin.name}()")
        try:
            return builtin.impl(*args)
        except BuiltinError as exc:
            raise _fail(node, str(exc)) from None


def evaluate(src: str, env: Mapping[str, Any] | None = None) -> Any:
    """Evaluate `src` in a fresh interpreter whose globals are the builtins plus `env`."""
    return Interpreter(env).run(src)
