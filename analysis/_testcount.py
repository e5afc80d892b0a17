"""Counting the test cases of a pytest file from its AST, without running it."""

from __future__ import annotations

import ast
from pathlib import Path

from analysis._ast import parse


def count_tests(path: Path) -> int:
    """Test cases in a pytest file, read from its AST without running it.

    Counts `test_*` functions at module level and in `Test*` classes; a
    `pytest.mark.parametrize` with a literal list or tuple multiplies by its length.
    """
    try:
        tree = parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, ValueError):
        # Not Python (a syntax error, bytes that are not UTF-8, a null byte): no test to count;
        # running the file reports the problem.
        return 0
    total = 0
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            total += sum(_cases(item) for item in node.body)
        else:
            total += _cases(node)
    return total


def _cases(node: ast.stmt) -> int:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return 0
    if not node.name.startswith("test"):
        return 0
    cases = 1
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("parametrize"):
            values = decorator.args[1] if len(decorator.args) > 1 else None
            if isinstance(values, ast.List | ast.Tuple):
                cases *= max(1, len(values.elts))
    return cases
