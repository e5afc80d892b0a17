"""Diffs of a variant against its base prompt: unified lines for reports, word-level pieces for
the terminal. Invisible and look-alike characters are spelled out, so every edit shows."""

from __future__ import annotations

import difflib
import re
from typing import Literal, NamedTuple

from robustness._noise import visible
from robustness._variants import Variant

Op = Literal["same", "removed", "added"]
TOKEN = re.compile(r"\s+|[^\s]+")


class Piece(NamedTuple):
    """A run of text in a word diff."""

    op: Op
    text: str


def _messages(variant: Variant) -> list[tuple[str, str]]:
    return [("system", variant.system or ""), ("user", variant.user)]


def unified(base: Variant, variant: Variant, context: int = 1, limit: int = 40) -> list[str]:
    """`-`/`+` lines per message that differs (at most `limit` lines)."""
    lines: list[str] = []
    for (role, old), (_, new) in zip(_messages(base), _messages(variant), strict=True):
        if old == new:
            continue
        diff = difflib.unified_diff(
            visible(old).splitlines(), visible(new).splitlines(), lineterm="", n=context
        )
        body = [line for line in diff if not line.startswith(("---", "+++"))]
        lines += [f"@@ {role} message @@", *(line for line in body if not line.startswith("@@"))]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... {len(lines) - limit} more lines"]
    return lines


def words(old: str, new: str) -> list[Piece]:
    """A word-level diff of two texts."""
    a, b = TOKEN.findall(visible(old)), TOKEN.findall(visible(new))
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


def word_diffs(base: Variant, variant: Variant) -> list[tuple[str, list[Piece]]]:
    """(role, pieces) for each message that differs."""
    return [
        (role, words(old, new))
        for (role, old), (_, new) in zip(_messages(base), _messages(variant), strict=True)
        if old != new
    ]
