"""Token type and the fixed vocabulary of the language."""

from __future__ import annotations

from dataclasses import dataclass

KEYWORDS: frozenset[str] = frozenset(
    {"let", "fn", "if", "then", "else", "and", "or", "not", "true", "false", "nil"}
)
"""Reserved words: lexed as `keyword` tokens, never as names."""

TWO_CHAR_OPERATORS: tuple[str, ...] = ("==", "!=", "<=", ">=", "=>")
"""Operators of two characters; matched before the one-character ones."""

ONE_CHAR_OPERATORS: frozenset[str] = frozenset("+-*/%^<>=(),;{}")
"""Operators and punctuation of one character."""


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its value and the position of its first character.

    Kinds: ``int``, ``float``, ``string``, ``name``, ``keyword``, ``op`` and ``eof``.
    """

    kind: str
    value: object
    line: int
    column: int

    def is_op(self, *texts: str) -> bool:
        """Whether this is an operator token whose text is one of `texts`."""
        return self.kind == "op" and self.value in texts

    def is_keyword(self, *words: str) -> bool:
        """Whether this is a keyword token that is one of `words`."""
        return self.kind == "keyword" and self.value in words
