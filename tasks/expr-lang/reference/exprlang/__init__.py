"""exprlang: a small expression language with closures.

Public API: `tokenize`, `parse`, `dump`, `evaluate`, `Interpreter`, `Token`,
`Function` and the errors `ExprError`, `LexError`, `ParseError`, `EvalError`.
"""

from .errors import EvalError, ExprError, LexError, ParseError
from .evaluator import Interpreter, evaluate
from .lexer import tokenize
from .nodes import Node, Program, dump
from .parser import parse
from .tokens import Token
from .values import Function

__all__ = [
    "EvalError",
    "ExprError",
    "Function",
    "Interpreter",
    "LexError",
    "Node",
    "ParseError",
    "Program",
    "Token",
    "dump",
    "evaluate",
    "parse",
    "tokenize",
]
