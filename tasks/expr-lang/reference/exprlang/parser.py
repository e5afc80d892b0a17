"""Recursive-descent parser producing the trees of `nodes`.

There is one method per grammar rule, from `program` and `expr` (``let``, assignment, ``if``,
``fn``) down through the precedence levels ``or`` < ``and`` < ``not`` < comparison
(non-associative) < ``+ -`` < ``* / %`` < unary ``-`` < ``^`` (right-associative) < call
< primary (literals, names, parentheses and blocks).
"""

from __future__ import annotations

from collections.abc import Callable

from . import nodes
from .errors import ParseError
from .lexer import tokenize
from .tokens import Token

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_CONSTANTS: dict[str, bool | None] = {"true": True, "false": False, "nil": None}


class _Parser:
    """Parser state: the token list and the index of the current token."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    # -- token helpers -------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def lookahead(self, offset: int) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "eof":
            self.pos += 1
        return token

    def error(self, token: Token | None = None) -> ParseError:
        token = token or self.current
        what = "end of input" if token.kind == "eof" else repr(token.value)
        return ParseError(f"unexpected {what}", token.line, token.column)

    def expect_op(self, text: str) -> Token:
        if not self.current.is_op(text):
            raise self.error()
        return self.advance()

    def expect_keyword(self, word: str) -> Token:
        if not self.current.is_keyword(word):
            raise self.error()
        return self.advance()

    def expect_name(self) -> Token:
        if self.current.kind != "name":
            raise self.error()
        return self.advance()

    # -- sequences -------------------------------------------------------------

    def sequence(self, at_end: str | None) -> list[nodes.Node]:
        """Expressions separated by `;` with an optional trailing `;`.

        `at_end` is the closing operator, or None for the end of input.
        """

        def finished() -> bool:
            if at_end is None:
                return self.current.kind == "eof"
            return self.current.is_op(at_end)

        items: list[nodes.Node] = []
        if finished():
            return items
        items.append(self.expr())
        while self.current.is_op(";"):
            self.advance()
            if finished():
                break
            items.append(self.expr())
        return items

    def program(self) -> nodes.Program:
        items = self.sequence(None)
        if self.current.kind != "eof":
            raise self.error()
        return nodes.Program(1, 1, tuple(items))

    # -- expressions -----------------------------------------------------------

    def expr(self) -> nodes.Node:
        token = self.current
        if token.is_keyword("let"):
            self.advance()
            name = self.expect_name()
            self.expect_op("=")
            return nodes.Let(token.line, token.column, str(name.value), self.expr())
        if token.kind == "name" and self.lookahead(1).is_op("="):
            self.advance()
            self.advance()
            return nodes.Assign(token.line, token.column, str(token.value), self.expr())
        if token.is_keyword("if"):
            self.advance()
            cond = self.expr()
            self.expect_keyword("then")
            then = self.expr()
            self.expect_keyword("else")
            return nodes.If(token.line, token.column, cond, then, self.expr())
        if token.is_keyword("fn"):
            return self.function()
        return self.or_expr()

    def function(self) -> nodes.FnDef:
        token = self.advance()
        self.expect_op("(")
        params: list[str] = []
        if not self.current.is_op(")"):
            while True:
                name = self.expect_name()
                if name.value in params:
                    raise ParseError(f"duplicate parameter {name.value!r}", name.line, name.column)
                params.append(str(name.value))
                if not self.current.is_op(","):
                    break
                self.advance()
        self.expect_op(")")
        self.expect_op("=>")
        return nodes.FnDef(token.line, token.column, tuple(params), self.expr())

    def chain(self, operand: Callable[[], nodes.Node], operators: tuple[str, ...]) -> nodes.Node:
        """A left-associative chain ``operand { operator operand }``."""
        left = operand()
        while self.current.kind in ("op", "keyword") and self.current.value in operators:
            token = self.advance()
            left = nodes.Binary(token.line, token.column, str(token.value), left, operand())
        return left

    def or_expr(self) -> nodes.Node:
        return self.chain(self.and_expr, ("or",))

    def and_expr(self) -> nodes.Node:
        return self.chain(self.not_expr, ("and",))

    def not_expr(self) -> nodes.Node:
        if self.current.is_keyword("not"):
            token = self.advance()
            return nodes.Unary(token.line, token.column, "not", self.not_expr())
        return self.comparison()

    def comparison(self) -> nodes.Node:
        left = self.additive()
        if self.current.is_op(*_COMPARISONS):
            token = self.advance()
            right = self.additive()
            return nodes.Binary(token.line, token.column, str(token.value), left, right)
        return left

    def additive(self) -> nodes.Node:
        return self.chain(self.term, ("+", "-"))

    def term(self) -> nodes.Node:
        return self.chain(self.unary, ("*", "/", "%"))

    def unary(self) -> nodes.Node:
        if self.current.is_op("-"):
            token = self.advance()
            return nodes.Unary(token.line, token.column, "-", self.unary())
        return self.power()

    def power(self) -> nodes.Node:
        base = self.call()
        if self.current.is_op("^"):
            token = self.advance()
            return nodes.Binary(token.line, token.column, "^", base, self.unary())
        return base

    def call(self) -> nodes.Node:
        node = self.primary()
        while self.current.is_op("("):
            paren = self.advance()
            args: list[nodes.Node] = []
            if not self.current.is_op(")"):
                args.append(self.expr())
                while self.current.is_op(","):
                    self.advance()
                    args.append(self.expr())
            self.expect_op(")")
            node = nodes.Call(paren.line, paren.column, node, tuple(args))
        return node

    def primary(self) -> nodes.Node:
        token = self.current
        if token.kind in ("int", "float", "string"):
            self.advance()
            return nodes.Literal(token.line, token.column, token.value)  # type: ignore[arg-type]
        if token.kind == "keyword" and token.value in _CONSTANTS:
            self.advance()
            return nodes.Literal(token.line, token.column, _CONSTANTS[str(token.value)])
        if token.kind == "name":
            self.advance()
            return nodes.Name(token.line, token.column, str(token.value))
        if token.is_op("("):
            self.advance()
            inner = self.expr()
            self.expect_op(")")
            return inner
        if token.is_op("{"):
            self.advance()
            items = self.sequence("}")
            self.expect_op("}")
            return nodes.Block(token.line, token.column, tuple(items))
        raise self.error()


def parse(src: str) -> nodes.Program:
    """Tokenize and parse `src` into a `Program` tree.

    Raises `LexError` for invalid tokens (the whole source is tokenized first) and
    `ParseError` at the first token that cannot continue a valid program.
    """
    parser = _Parser(tokenize(src))
    try:
        return parser.program()
    except RecursionError:
        token = parser.current
        raise ParseError("expression nested too deeply", token.line, token.column) from None
