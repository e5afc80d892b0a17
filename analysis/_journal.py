"""Journal metrics (DESIGN §6): length, compression, leakage of code into the journal.

Tokens are counted with a regex tokenizer (`TOKENIZER` names it): runs of letters, numbers of at
most three digits, and runs of punctuation, whitespace dropped. It needs no vocabulary download
and approximates a BPE tokenizer's count from below; the same count is used for the journal and
the code, so compression ratios are comparable across runs.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from analysis._files import Codebase

TOKENIZER = "regex word pieces (letter runs, numbers of up to 3 digits, punctuation runs)"
_TOKEN = re.compile(r"[^\W\d_]+|\d{1,3}|_+|[^\w\s]+")
_SPACES = re.compile(r"\s+")
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
    """Those found verbatim (whitespace-normalised) in the journal."""
    leakage: float | None
    """leaked ÷ non-trivial lines (None when the original has none)."""


def count_tokens(text: str) -> int:
    """Tokens of `text` under TOKENIZER."""
    return len(_TOKEN.findall(text))


def _normal(line: str) -> str:
    return _SPACES.sub(" ", line.strip())


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
    flat = _normal(journal.replace("\n", " \n "))
    haystack = "\n".join(_normal(line) for line in journal.splitlines()) + "\n" + flat
    leaked = [line for line in lines if line in haystack]
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


def fidelity_per_1k_tokens(fidelity: float | None, journal_tokens: int) -> float | None:
    """Fidelity bought per thousand journal tokens (None when either is undefined)."""
    if fidelity is None or journal_tokens == 0:
        return None
    return fidelity / (journal_tokens / 1000)
