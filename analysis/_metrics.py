"""Code metrics of a codebase with radon: raw counts, cyclomatic complexity, MI and Halstead.

Every per-file number equals what radon's own CLI prints for that file with its defaults:
`radon raw`, `radon cc` (blocks are functions, classes and methods, as `cc_visit` returns
them; closures and inner classes are not listed), `radon mi` (multi-line strings count as
comments) and `radon hal` (the file's total). A file that does not parse is reported with
its error instead of failing the analysis.
"""

from __future__ import annotations

import ast
import tokenize
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from radon.complexity import cc_rank
from radon.metrics import h_visit_ast, mi_compute, mi_rank
from radon.raw import analyze
from radon.visitors import ComplexityVisitor

from analysis._ast import parse
from analysis._files import Codebase

RANKS = ("A", "B", "C", "D", "E", "F")
"""radon's CC rank letters, from simplest to most complex."""
MI_COUNTS_MULTI = True
"""Multi-line strings count as comment lines in MI, as in `radon mi` (its `multi` default)."""
HEADLINE_KEYS = (
    "loc",
    "lloc",
    "sloc",
    "comments",
    "cc_mean",
    "cc_max",
    "mi_mean",
    "halstead_volume",
    "halstead_difficulty",
    "halstead_effort",
)
"""The numbers compared in `MetricsComparison.deltas` and `file_deltas`."""
METRIC_LABELS = {
    "loc": "LOC",
    "sloc": "SLOC",
    "lloc": "LLOC",
    "comments": "comments",
    "cc_mean": "CC mean",
    "cc_max": "CC max",
    "mi_mean": "MI mean",
    "halstead_volume": "Halstead volume",
    "halstead_difficulty": "Halstead difficulty",
    "halstead_effort": "Halstead effort",
}
"""How reports name each headline metric, in the order they show them."""


class _Model(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)


class RawMetrics(_Model):
    """Line counts of `radon raw` (radon.raw.analyze)."""

    loc: int = 0
    """Lines of code: every line, blank and comment lines included."""
    lloc: int = 0
    """Logical lines of code: statements (`a = 1; b = 2` is two)."""
    sloc: int = 0
    """Source lines of code: lines that are not blank, comment-only or docstring."""
    comments: int = 0
    """Lines with a comment (`#`), trailing ones included."""
    multi: int = 0
    """Lines of multi-line strings (docstrings mostly)."""
    blank: int = 0
    """Blank lines (whitespace only)."""
    single_comments: int = 0
    """Lines holding only a comment."""

    def __add__(self, other: RawMetrics) -> RawMetrics:
        return RawMetrics(
            **{k: getattr(self, k) + getattr(other, k) for k in type(self).model_fields}
        )


class Halstead(_Model):
    """Halstead metrics of `radon hal` (radon.metrics.h_visit).

    For a file, its total; in a `MetricsSummary`, summed over the files except `difficulty`,
    which is the unweighted mean of the files' difficulties.
    """

    vocabulary: int = 0
    """Distinct operators plus distinct operands (h1 + h2); summed over files in a summary."""
    length: int = 0
    """Operators plus operands (N1 + N2)."""
    volume: float = 0.0
    """V = N * log2(h)."""
    difficulty: float = 0.0
    """D = h1 / 2 * N2 / h2; in a summary, the unweighted mean over the measured files."""
    effort: float = 0.0
    """E = D * V."""
    bugs: float = 0.0
    """Estimated bugs, V / 3000."""


class FileMetrics(_Model):
    """The metrics of one Python file; on a parse error, `error` is set and metrics are empty."""

    path: str
    """Path relative to the codebase root."""
    raw: RawMetrics | None = None
    """Line counts; None when the file does not parse."""
    cc_blocks: int = 0
    """Blocks of `radon cc`: functions, classes and methods (closures and inner classes not)."""
    cc_sum: int = 0
    """Sum of the block complexities (a class's complexity is radon's, from its methods)."""
    cc_mean: float = 0.0
    """Mean complexity of the blocks (0 when there are none), a class counting as one block."""
    cc_max: int = 0
    """Highest block complexity (0 when there are no blocks)."""
    cc_ranks: dict[str, int] = Field(default_factory=lambda: dict.fromkeys(RANKS, 0))
    """Number of blocks per CC rank, A (1-5) to F (41+); every letter present."""
    mi: float | None = None
    """Maintainability index 0-100, as `radon mi -s`; None when the file does not parse."""
    mi_rank: str | None = None
    """MI rank: A (> 19), B (10-19), C (<= 9)."""
    halstead: Halstead | None = None
    """Halstead metrics of the whole file (h_visit(...).total)."""
    error: str | None = None
    """Why the file could not be measured ("line N: message"), or None."""


class MetricsSummary(_Model):
    """The metrics of a codebase: per file, and totals over the files that parsed."""

    files: dict[str, FileMetrics]
    """Metrics of each Python file, by relative path."""
    raw: RawMetrics
    """Line counts summed over the files."""
    cc_blocks: int
    """Blocks over all files."""
    cc_sum: int
    """Sum of the complexities of all blocks."""
    cc_mean: float
    """Mean complexity over all blocks of all files (radon cc's "Average complexity")."""
    cc_max: int
    """Highest block complexity over all files (0 when there are no blocks)."""
    cc_ranks: dict[str, int]
    """Number of blocks per rank over all files; every letter A-F present."""
    mi_mean: float | None
    """Unweighted mean of the per-file MI (each file counts once whatever its size); None
    when no file parsed."""
    halstead: Halstead
    """Halstead metrics summed over files; `difficulty` is the unweighted mean over files."""
    errors: dict[str, str] = Field(default_factory=dict)
    """Files that could not be measured, with the error."""


class MetricsComparison(_Model):
    """The metrics of an original codebase and its regeneration, and their differences."""

    original: MetricsSummary
    """Metrics of the original codebase."""
    regenerated: MetricsSummary
    """Metrics of the regenerated codebase."""
    deltas: dict[str, float]
    """Regenerated minus original for each of HEADLINE_KEYS; a key is left out when either
    side lacks it (no MI when no file parsed)."""
    file_deltas: dict[str, dict[str, float]]
    """The same per file present on both sides (for a file, `mi_mean` is its MI); a file that
    failed to parse on either side has an empty dict."""


def file_metrics(
    path: str, source: str, tree: Callable[[], ast.Module] | None = None
) -> FileMetrics:
    """Measure one Python file; a file that fails to parse gets `error` set, never raises.

    `tree` gives the file's already-parsed tree, where the caller has one (it is not used for a
    file that starts with a byte-order mark, which is parsed without it).
    """
    if source.startswith("\ufeff"):
        source, tree = source.removeprefix("\ufeff"), None  # the CLI reads files as utf-8-sig
    try:
        tree_ = tree() if tree is not None else parse(source)
        raw = analyze(source)
        visitor = ComplexityVisitor.from_ast(tree_)
        halstead = h_visit_ast(tree_).total
    except Exception as error:  # radon's CLI also reports any failure per file
        return FileMetrics(path=path, error=_describe(error))
    complexities = [block.complexity for block in visitor.blocks]
    mi = _mi(raw, visitor.total_complexity, halstead.volume)
    return FileMetrics(
        path=path,
        raw=RawMetrics(**raw._asdict()),
        **_cc_fields(complexities),
        mi=mi,
        mi_rank=mi_rank(mi),
        halstead=_halstead(halstead),
    )


def code_metrics(codebase: Codebase) -> MetricsSummary:
    """Measure every Python file of a codebase and total the numbers."""
    files = {path: file_metrics(path, f.text, f.tree) for path, f in codebase.python.items()}
    measured = [f for f in files.values() if f.error is None]
    mis = [f.mi for f in measured if f.mi is not None]
    blocks, total = sum(f.cc_blocks for f in measured), sum(f.cc_sum for f in measured)
    return MetricsSummary(
        files=files,
        raw=sum((f.raw for f in measured if f.raw is not None), RawMetrics()),
        cc_blocks=blocks,
        cc_sum=total,
        cc_mean=total / blocks if blocks else 0.0,
        cc_max=max((f.cc_max for f in measured), default=0),
        cc_ranks=_sum_ranks(f.cc_ranks for f in measured),
        mi_mean=sum(mis) / len(mis) if mis else None,
        halstead=_sum_halstead([f.halstead for f in measured if f.halstead is not None]),
        errors={p: f.error for p, f in files.items() if f.error is not None},
    )


def compare_metrics(original: Codebase, regenerated: Codebase) -> MetricsComparison:
    """Measure both codebases and take regenerated minus original, in total and per file."""
    before, after = code_metrics(original), code_metrics(regenerated)
    shared = sorted(before.files.keys() & after.files.keys())
    return MetricsComparison(
        original=before,
        regenerated=after,
        deltas=_deltas(headline(before), headline(after)),
        file_deltas={
            p: _deltas(_file_headline(before.files[p]), _file_headline(after.files[p]))
            for p in shared
        },
    )


def _describe(error: Exception) -> str:
    if isinstance(error, SyntaxError) and error.lineno is not None:
        return f"line {error.lineno}: {error.msg}"
    if isinstance(error, tokenize.TokenError) and len(error.args) == 2:
        message, (line, _column) = error.args
        return f"line {line}: {message}"
    return f"{type(error).__name__}: {error}"


def _mi(raw: Any, complexity: int, volume: float) -> float:
    """MI exactly as radon.metrics.mi_visit computes it, reusing the parsed pieces."""
    comment_lines = raw.comments + (raw.multi if MI_COUNTS_MULTI else 0)
    comments = comment_lines / float(raw.sloc) * 100 if raw.sloc != 0 else 0
    return float(mi_compute(volume, complexity, raw.lloc, comments))


def _cc_fields(complexities: list[int]) -> dict[str, Any]:
    ranks = dict.fromkeys(RANKS, 0)
    for value in complexities:
        ranks[cc_rank(value)] += 1
    return {
        "cc_blocks": len(complexities),
        "cc_sum": sum(complexities),
        "cc_mean": sum(complexities, 0.0) / len(complexities) if complexities else 0.0,
        "cc_max": max(complexities, default=0),
        "cc_ranks": ranks,
    }


def _sum_ranks(ranks: Iterable[dict[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(RANKS, 0)
    for counts in ranks:
        for letter, n in counts.items():
            total[letter] += n
    return total


def _halstead(report: Any) -> Halstead:
    return Halstead(
        vocabulary=report.vocabulary,
        length=report.length,
        volume=report.volume,
        difficulty=report.difficulty,
        effort=report.effort,
        bugs=report.bugs,
    )


def _sum_halstead(reports: list[Halstead]) -> Halstead:
    summed = ("vocabulary", "length", "volume", "effort", "bugs")
    totals: dict[str, Any] = {k: sum(getattr(h, k) for h in reports) for k in summed}
    difficulty = sum(h.difficulty for h in reports) / len(reports) if reports else 0.0
    return Halstead(**totals, difficulty=difficulty)


def _file_headline(f: FileMetrics) -> dict[str, float | None]:
    if f.error is not None or f.raw is None or f.halstead is None:
        return {}
    return _headline(f.raw, f.cc_mean, f.cc_max, f.mi, f.halstead)


def headline(s: MetricsSummary) -> dict[str, float | None]:
    """The headline numbers of a summary, by HEADLINE_KEYS key."""
    return _headline(s.raw, s.cc_mean, s.cc_max, s.mi_mean, s.halstead)


def _headline(
    raw: RawMetrics, cc_mean: float, cc_max: int, mi: float | None, h: Halstead
) -> dict[str, float | None]:
    return {
        "loc": raw.loc,
        "lloc": raw.lloc,
        "sloc": raw.sloc,
        "comments": raw.comments,
        "cc_mean": cc_mean,
        "cc_max": cc_max,
        "mi_mean": mi,
        "halstead_volume": h.volume,
        "halstead_difficulty": h.difficulty,
        "halstead_effort": h.effort,
    }


def _deltas(before: dict[str, float | None], after: dict[str, float | None]) -> dict[str, float]:
    deltas: dict[str, float] = {}
    for key in HEADLINE_KEYS:
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None:
            deltas[key] = float(new - old)
    return deltas
