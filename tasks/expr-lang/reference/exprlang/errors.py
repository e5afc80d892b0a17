"""Exception classes; every error carries the source position it refers to."""

from __future__ import annotations


class ExprError(Exception):
    """Base class of all errors raised by the language, with a 1-based position."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} at line {line}, column {column}")
        self.message = message
        self.line = line
        self.column = column


class LexError(ExprError):
    """The source contains a character sequence that is not a valid token."""


class ParseError(ExprError):
    """The token sequence does not match the grammar."""


class EvalError(ExprError):
    """A runtime error: bad types, undefined names, division by zero, ..."""
