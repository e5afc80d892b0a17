"""Turns source text into a list of tokens."""

from __future__ import annotations

from .errors import LexError
from .tokens import KEYWORDS, ONE_CHAR_OPERATORS, TWO_CHAR_OPERATORS, Token

_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | _DIGITS
_WHITESPACE = frozenset(" \t\r\n")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


class _Lexer:
    """A single pass over the source, tracking line and column."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.pos = 0
        self.line = 1
        self.column = 1
        self.tokens: list[Token] = []

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def advance(self) -> str:
        char = self.src[self.pos]
        self.pos += 1
        if char == "\n":
            self.line += 1
            self.column = 1
        else:
            self.column += 1
        return char

    def skip_while(self, chars: frozenset[str]) -> None:
        while self.peek() in chars:  # peek() is "" at the end, never a member
            self.advance()

    def run(self) -> list[Token]:
        while self.pos < len(self.src):
            char = self.peek()
            if char in _WHITESPACE:
                self.advance()
            elif char == "#":
                while self.pos < len(self.src) and self.peek() != "\n":
                    self.advance()
            elif char in _DIGITS:
                self.number()
            elif char in _NAME_START:
                self.name()
            elif char == '"':
                self.string()
            else:
                self.operator()
        self.tokens.append(Token("eof", None, self.line, self.column))
        return self.tokens

    def number(self) -> None:
        line, column = self.line, self.column
        start = self.pos
        self.skip_while(_DIGITS)
        if self.peek() == ".":
            if self.peek(1) not in _DIGITS:
                raise LexError("expected a digit after '.'", self.line, self.column)
            self.advance()
            self.skip_while(_DIGITS)
            self.tokens.append(Token("float", float(self.src[start : self.pos]), line, column))
        else:
            self.tokens.append(Token("int", int(self.src[start : self.pos]), line, column))

    def name(self) -> None:
        line, column = self.line, self.column
        start = self.pos
        self.skip_while(_NAME_CHARS)
        text = self.src[start : self.pos]
        kind = "keyword" if text in KEYWORDS else "name"
        self.tokens.append(Token(kind, text, line, column))

    def string(self) -> None:
        line, column = self.line, self.column
        self.advance()  # the opening quote
        chars: list[str] = []
        while True:
            char = self.peek()
            if char in ("", "\n"):
                raise LexError("unterminated string", line, column)
            if char == '"':
                self.advance()
                break
            if char == "\\":
                esc_line, esc_column = self.line, self.column
                self.advance()
                code = self.peek()
                if code not in _ESCAPES:
                    raise LexError("invalid escape sequence", esc_line, esc_column)
                self.advance()
                chars.append(_ESCAPES[code])
            else:
                chars.append(self.advance())
        self.tokens.append(Token("string", "".join(chars), line, column))

    def operator(self) -> None:
        line, column = self.line, self.column
        pair = self.src[self.pos : self.pos + 2]
        if pair in TWO_CHAR_OPERATORS:
            self.advance()
            self.advance()
            self.tokens.append(Token("op", pair, line, column))
            return
        char = self.peek()
        if char in ONE_CHAR_OPERATORS:
            self.advance()
            self.tokens.append(Token("op", char, line, column))
            return
        raise LexError(f"unexpected character {char!r}", line, column)


def tokenize(src: str) -> list[Token]:
    """Split `src` into tokens; the list always ends with one ``eof`` token.

    Raises `LexError` at the position of the first invalid character sequence.
    """
    return _Lexer(src).run()
