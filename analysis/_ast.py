"""Parsing Python safely from many threads at once.

CPython 3.11 keeps the AST constructor's recursion depth in interpreter-wide state, so two
threads building ASTs at the same time can fail with "SystemError: AST constructor recursion
depth mismatch" (python/cpython#106905) whenever a garbage-collection finalizer lets the
other thread run mid-construction. Trials run in threads, so every parse in the project goes
through `parse`, which holds one process-wide lock while the tree is built.
"""

from __future__ import annotations

import ast
import threading

# The lock lives on the `ast` module so that `agents` (which must not import `analysis`) finds
# the same one: a second lock would not exclude this one.
AST_LOCK: threading.RLock = vars(ast).setdefault("regenlab_lock", threading.RLock())
"""Held while an AST is constructed; reentrant so callers may hold it around several parses."""


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse` under the process-wide AST lock."""
    with AST_LOCK:
        return ast.parse(source, filename=filename)
