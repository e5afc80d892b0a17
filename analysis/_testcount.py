"""Counting the test cases of a pytest file from its AST, without running it."""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from analysis._ast import parse

_MAX_CACHED = 4096
"""Counts kept in a cache file; beyond that the oldest go first."""


def count_tests(path: Path) -> int:
    """Test cases in a pytest file, read from its AST without running it.

    Counts `test_*` functions at module level and in `Test*` classes; a
    `pytest.mark.parametrize` with a literal list or tuple multiplies by its length.
    """
    return _count(path.read_bytes(), str(path))


def count_tests_cached(paths: Sequence[Path], cache: Path) -> list[int]:
    """`count_tests` of each path, remembered in the JSON file `cache` by content.

    A count is keyed by the sha256 of the file and of the rules that counted it, so an edited
    test file or a change to these rules counts afresh. A cache that cannot be read or written
    only costs the parse.
    """
    known = _read_cache(cache)
    rules = _rules_digest()
    counts, changed = [], False
    for path in paths:
        data = path.read_bytes()
        key = f"{rules}:{hashlib.sha256(data).hexdigest()}"
        if key not in known:
            known[key], changed = _count(data, str(path)), True
        counts.append(known[key])
    if changed:
        _write_cache(cache, known)
    return counts


def _count(data: bytes, filename: str) -> int:
    try:
        tree = parse(data.decode("utf-8"), filename=filename)
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


@functools.cache
def _rules_digest() -> str:
    # This module's own source: editing the counting rules retires every cached count. Read once
    # a process: every task a listing loads asks for it.
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _read_cache(cache: Path) -> dict[str, int]:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and type(v) is int and v >= 0}


def _write_cache(cache: Path, known: dict[str, int]) -> None:
    kept = dict(list(known.items())[-_MAX_CACHED:])
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache.parent, prefix=f".{cache.name}.")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(kept, out)
        # Renamed into place, so a reader in another process sees the old file or the new.
        os.replace(temporary, cache)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
