"""Journal metrics (DESIGN §6): length, compression, leakage of code into the journal.

Tokens are counted with a regex tokenizer (`TOKENIZER` names it): runs of letters, numbers of at
most three digits, and runs of punctuation, whitespace dropped. It needs no vocabulary download
and approximates a BPE tokenizer's count from below; the same count is used for the journal and
the code, so compression ratios are comparable across runs.

Leakage counts a non-trivial code line of the original (`nontrivial_lines`) as found in the
journal when, both sides normalised, it equals a whole line of the journal or a whole inline
code span, or appears on token boundaries inside the journal's code: the lines of its fenced
blocks and its inline code spans (`` `...` ``). A code line that happens to read as part of a
sentence ("it should return default when...") is not a leak. Normalisation: surrounding
whitespace stripped, runs of whitespace made one space, a trailing comment dropped (`#` after
whitespace, with no quote after it); on the journal side, a leading Markdown list or quote
marker (`-`, `*`, `+`, `1.`, `>`) and a doctest prompt (`>>>`, `...`) are dropped as well.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pydantic import BaseModel, Field

from analysis._files import Codebase

TOKENIZER = "regex word pieces (letter runs, numbers of up to 3 digits, punctuation runs)"
_TOKEN = re.compile(r"[^\W\d_]+|\d{1,3}|_+|[^\w\s]+")
_SPACES = re.compile(r"\s+")
_TRAILING_COMMENT = re.compile(r"\s+#[^'\"]*$")
_MARKER = re.compile(r"^(?:[-*+]|\d+[.)]|>+|\.\.\.)\s+")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})[^`]*$")
_BACKTICKS = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_TRIVIAL = frozenset(
    {
        "pass",
        "else:",
        "try:",
        "finally:",
        "return",
        "break",
        "continue",
        '"""',
        "'''",
        "...",
        "raise",
        "except:",
        "@property",
        "@staticmethod",
        "@classmethod",
    }
)
MIN_LINE_CHARS = 12
"""A code line shorter than this (after stripping) is too generic to count as leaked."""


class JournalMetrics(BaseModel):
    """How big the journal is next to the code, and how much code it carries verbatim."""

    tokenizer: str = TOKENIZER
    """How tokens were counted."""
    journal_tokens: int
    journal_words: int
    code_tokens: int
    """Tokens of the original codebase's Python files."""
    compression: float | None
    """journal tokens ÷ code tokens (None without code)."""
    nontrivial_lines: int
    """Distinct non-trivial code lines of the original (see `nontrivial_lines`)."""
    leaked_lines: list[str] = Field(default_factory=list)
    """Those found verbatim in the journal: as a whole line or span, or inside its code (see
    the module docstring for the normalisation)."""
    leakage: float | None
    """leaked ÷ non-trivial lines (None when the original has none)."""


def count_tokens(text: str) -> int:
    """Tokens of `text` under TOKENIZER."""
    return len(_TOKEN.findall(text))


def _normal(line: str) -> str:
    """A code line as leakage compares it (see the module docstring)."""
    return _SPACES.sub(" ", _TRAILING_COMMENT.sub("", line.strip()))


def nontrivial_lines(source: str) -> list[str]:
    """Code lines worth recognising in a journal: not blank, not comments, not bare keywords,
    and at least MIN_LINE_CHARS long (whitespace-normalised, in order, without repeats)."""
    found: dict[str, None] = {}
    for raw in source.splitlines():
        line = _normal(raw)
        if len(line) < MIN_LINE_CHARS or line.startswith("#") or line in _TRIVIAL:
            continue
        found[line] = None
    return list(found)


def journal_metrics(journal: str, original: Codebase) -> JournalMetrics:
    """Metrics of a journal (its text, e.g. journal.md) against the original codebase."""
    code = "\n".join(f.text for f in original.python.values())
    lines = list(
        dict.fromkeys(line for f in original.python.values() for line in nontrivial_lines(f.text))
    )
    leaked = _leaked(lines, journal)
    journal_tokens, code_tokens = count_tokens(journal), count_tokens(code)
    return JournalMetrics(
        journal_tokens=journal_tokens,
        journal_words=len(journal.split()),
        code_tokens=code_tokens,
        compression=journal_tokens / code_tokens if code_tokens else None,
        nontrivial_lines=len(lines),
        leaked_lines=leaked,
        leakage=len(leaked) / len(lines) if lines else None,
    )


class _JournalText(NamedTuple):
    """The journal as leakage reads it."""

    whole: frozenset[str]
    """Every line and every inline code span, normalised."""
    code: str
    """Lines of fenced blocks and inline code spans, normalised, one per line."""


def _journal_text(journal: str) -> _JournalText:
    whole: set[str] = set()
    code: list[str] = []
    fenced = False
    for raw in journal.splitlines():
        if _FENCE.match(raw):
            fenced = not fenced
            continue
        line = _normal(_MARKER.sub("", raw.strip()))
        spans = [_normal(match.group(2)) for match in _BACKTICKS.finditer(raw)]
        whole.update([line, *spans])
        code += [line, *spans] if fenced else spans
    return _JournalText(frozenset(whole), "\n".join(code))


def _leaked(lines: list[str], journal: str) -> list[str]:
    """The code lines found in the journal (see the module docstring)."""
    text = _journal_text(journal)
    return [
        line
        for line in lines
        if line in text.whole
        or (line in text.code and re.search(rf"(?<![\w.]){re.escape(line)}(?!\w)", text.code))
    ]


def fidelity_per_1k_tokens(fidelity: float | None, journal_tokens: int) -> float | None:
    """Fidelity bought per thousand journal tokens (None when either is undefined)."""
    if fidelity is None or journal_tokens == 0:
        return None
    return fidelity / (journal_tokens / 1000)
