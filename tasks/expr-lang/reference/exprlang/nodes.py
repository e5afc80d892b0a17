"""Syntax tree node types and `dump`, a canonical S-expression rendering of a tree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all nodes; the position is that of the node's main token."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """An int, float, string, boolean or nil constant."""

    value: int | float | str | bool | None


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A variable reference."""

    name: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """`-x` or `not x`."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """An arithmetic, comparison or logical (`and`, `or`) operation."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A call `callee(args...)`; its position is that of the `(`."""

    callee: Node
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Let(Node):
    """`let name = value`: a new binding in the current scope."""

    name: str
    value: Node


@dataclass(frozen=True, slots=True)
class Assign(Node):
    """`name = value`: updates an existing binding."""

    name: str
    value: Node


@dataclass(frozen=True, slots=True)
class If(Node):
    """`if cond then a else b`."""

    cond: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class FnDef(Node):
    """`fn(params) => body`."""

    params: tuple[str, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class Block(Node):
    """`{ e1; e2; ... }`, evaluated in a new scope."""

    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Program(Node):
    """A whole source text: a sequence of expressions."""

    body: tuple[Node, ...]


def _quote(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _literal(value: int | float | str | bool | None) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value)
    return repr(value)


def _sexpr(head: str, *parts: str) -> str:
    return "(" + " ".join((head, *parts)) + ")"


def dump(node: Node) -> str:
    """Render a tree as a fully parenthesised S-expression, e.g. ``(+ 1 (* 2 3))``."""
    match node:
        case Literal(value=value):
            return _literal(value)
        case Name(name=name):
            return name
        case Unary(op=op, operand=operand):
            return _sexpr(op, dump(operand))
        case Binary(op=op, left=left, right=right):
            return _sexpr(op, dump(left), dump(right))
        case Call(callee=callee, args=args):
            return _sexpr("call", dump(callee), *(dump(arg) for arg in args))
        case Let(name=name, value=value):
            return _sexpr("let", name, dump(value))
        case Assign(name=name, value=value):
            return _sexpr("assign", name, dump(value))
        case If(cond=cond, then=then, otherwise=otherwise):
            return _sexpr("if", dump(cond), dump(then), dump(otherwise))
        case FnDef(params=params, body=body):
            return _sexpr("fn", "(" + " ".join(params) + ")", dump(body))
        case Block(body=body):
            return _sexpr("block", *(dump(item) for item in body))
        case Program(body=body):
            return _sexpr("program", *(dump(item) for item in body))
    raise TypeError(f"not a syntax tree node: {node!r}")
