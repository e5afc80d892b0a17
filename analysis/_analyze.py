"""`analyze(A, B)`: everything the analysis knows about two codebases, as one typed result."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from analysis._agreement import TestComparison, compare_tests
from analysis._files import Codebase, load_codebase
from analysis._hidden_tests import HiddenTestRun, HiddenTests
from analysis._journal import JournalMetrics, fidelity_per_1k_tokens, journal_metrics
from analysis._metrics import MetricsComparison, compare_metrics
from analysis._similarity import SimilarityResult, compare_similarity
from analysis._structure import StructureResult, compare_structure
from sandbox import Sandbox

ANALYSIS_VERSION = 1


class AnalysisResult(BaseModel):
    """The comparison of an original codebase and a regenerated one (DESIGN §6)."""

    version: int = ANALYSIS_VERSION
    """Format version of analysis.json."""
    original: str
    regenerated: str
    lines: dict[str, int]
    """Lines of Python per side."""
    skipped: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Files left out per side (binary, too large, not UTF-8, a link, not a regular file), with
    the reason."""
    structure: StructureResult
    metrics: MetricsComparison
    similarity: SimilarityResult
    tests: TestComparison | None = None
    """Hidden-test agreement, when hidden tests were run."""
    journal: JournalMetrics | None = None
    """Journal metrics, when a journal was given."""
    fidelity_per_1k_journal_tokens: float | None = None


def analyze(
    original: Path,
    regenerated: Path,
    *,
    hidden_tests: HiddenTests | None = None,
    test_runs: tuple[HiddenTestRun, HiddenTestRun] | None = None,
    journal: str | None = None,
    sandbox: Sandbox | None = None,
) -> AnalysisResult:
    """Compare two codebases; with hidden tests (or their runs) and a journal, all of DESIGN §6."""
    a, b = load_codebase(original), load_codebase(regenerated)
    if test_runs is None and hidden_tests is not None:
        test_runs = _run_tests(original, regenerated, hidden_tests, sandbox)
    tests = compare_tests(*test_runs) if test_runs else None
    metrics = journal_metrics(journal, a) if journal is not None else None
    per_1k = None
    if metrics is not None and tests is not None:
        per_1k = fidelity_per_1k_tokens(tests.fidelity, metrics.journal_tokens)
    return AnalysisResult(
        original=str(original),
        regenerated=str(regenerated),
        lines={"original": a.lines, "regenerated": b.lines},
        skipped=_skipped(a, b),
        structure=compare_structure(a, b),
        metrics=compare_metrics(a, b),
        similarity=compare_similarity(a, b),
        tests=tests,
        journal=metrics,
        fidelity_per_1k_journal_tokens=per_1k,
    )


def _skipped(a: Codebase, b: Codebase) -> dict[str, dict[str, str]]:
    return {side: dict(c.skipped) for side, c in (("original", a), ("regenerated", b)) if c.skipped}


def _run_tests(
    original: Path, regenerated: Path, spec: HiddenTests, sandbox: Sandbox | None
) -> tuple[HiddenTestRun, HiddenTestRun]:
    expected, _ = spec.collect(sandbox)
    return spec.run(original, expected, sandbox), spec.run(regenerated, expected, sandbox)
