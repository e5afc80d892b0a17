"""Comparing two codebases: hidden-test pass rates, structure, metrics, similarity, journal
metrics and statistics. Works on any two folders; imports neither `agents` nor `experiments`,
and runs code only through `sandbox`.

Names are imported on first use: `from analysis import count_tests` does not load radon.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis import _format as fmt
    from analysis._agreement import AGREEMENTS, TestComparison, compare_tests
    from analysis._analyze import ANALYSIS_VERSION, AnalysisResult, analyze
    from analysis._ast import parse as parse_python
    from analysis._files import Codebase, SourceFile, load_codebase
    from analysis._hidden_tests import (
        OUTCOMES,
        PYTEST_FAILED,
        HiddenTestRun,
        HiddenTests,
        TestOutcome,
        collect_hidden_tests,
        run_hidden_tests,
    )
    from analysis._journal import TOKENIZER, JournalMetrics, count_tokens, journal_metrics
    from analysis._metrics import (
        METRIC_LABELS,
        FileMetrics,
        MetricsComparison,
        MetricsSummary,
        code_metrics,
        compare_metrics,
        headline,
    )
    from analysis._page import caveats_markdown, report_page
    from analysis._similarity import FileSimilarity, SimilarityResult, compare_similarity
    from analysis._stats import (
        CONFIDENCE,
        RESAMPLES,
        ArmStatistics,
        Estimate,
        arm_statistics,
        bootstrap_mean,
        cluster_bootstrap,
        holm_adjust,
        paired_difference,
        wilson_interval,
    )
    from analysis._structure import StructureResult, Symbol, compare_structure, symbol_inventory
    from analysis._testcount import count_tests, count_tests_cached

# Where each public name lives: (module, attribute); attribute None for a module itself.
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "AGREEMENTS": ("analysis._agreement", "AGREEMENTS"),
    "ANALYSIS_VERSION": ("analysis._analyze", "ANALYSIS_VERSION"),
    "AnalysisResult": ("analysis._analyze", "AnalysisResult"),
    "ArmStatistics": ("analysis._stats", "ArmStatistics"),
    "CONFIDENCE": ("analysis._stats", "CONFIDENCE"),
    "Codebase": ("analysis._files", "Codebase"),
    "Estimate": ("analysis._stats", "Estimate"),
    "FileMetrics": ("analysis._metrics", "FileMetrics"),
    "FileSimilarity": ("analysis._similarity", "FileSimilarity"),
    "HiddenTestRun": ("analysis._hidden_tests", "HiddenTestRun"),
    "HiddenTests": ("analysis._hidden_tests", "HiddenTests"),
    "JournalMetrics": ("analysis._journal", "JournalMetrics"),
    "METRIC_LABELS": ("analysis._metrics", "METRIC_LABELS"),
    "MetricsComparison": ("analysis._metrics", "MetricsComparison"),
    "MetricsSummary": ("analysis._metrics", "MetricsSummary"),
    "OUTCOMES": ("analysis._hidden_tests", "OUTCOMES"),
    "PYTEST_FAILED": ("analysis._hidden_tests", "PYTEST_FAILED"),
    "RESAMPLES": ("analysis._stats", "RESAMPLES"),
    "SimilarityResult": ("analysis._similarity", "SimilarityResult"),
    "SourceFile": ("analysis._files", "SourceFile"),
    "StructureResult": ("analysis._structure", "StructureResult"),
    "Symbol": ("analysis._structure", "Symbol"),
    "TOKENIZER": ("analysis._journal", "TOKENIZER"),
    "TestComparison": ("analysis._agreement", "TestComparison"),
    "TestOutcome": ("analysis._hidden_tests", "TestOutcome"),
    "analyze": ("analysis._analyze", "analyze"),
    "arm_statistics": ("analysis._stats", "arm_statistics"),
    "bootstrap_mean": ("analysis._stats", "bootstrap_mean"),
    "caveats_markdown": ("analysis._page", "caveats_markdown"),
    "cluster_bootstrap": ("analysis._stats", "cluster_bootstrap"),
    "code_metrics": ("analysis._metrics", "code_metrics"),
    "collect_hidden_tests": ("analysis._hidden_tests", "collect_hidden_tests"),
    "compare_metrics": ("analysis._metrics", "compare_metrics"),
    "compare_similarity": ("analysis._similarity", "compare_similarity"),
    "compare_structure": ("analysis._structure", "compare_structure"),
    "compare_tests": ("analysis._agreement", "compare_tests"),
    "count_tests": ("analysis._testcount", "count_tests"),
    "count_tests_cached": ("analysis._testcount", "count_tests_cached"),
    "count_tokens": ("analysis._journal", "count_tokens"),
    "fmt": ("analysis._format", None),
    "headline": ("analysis._metrics", "headline"),
    "holm_adjust": ("analysis._stats", "holm_adjust"),
    "journal_metrics": ("analysis._journal", "journal_metrics"),
    "load_codebase": ("analysis._files", "load_codebase"),
    "paired_difference": ("analysis._stats", "paired_difference"),
    "parse_python": ("analysis._ast", "parse"),
    "report_page": ("analysis._page", "report_page"),
    "run_hidden_tests": ("analysis._hidden_tests", "run_hidden_tests"),
    "symbol_inventory": ("analysis._structure", "symbol_inventory"),
    "wilson_interval": ("analysis._stats", "wilson_interval"),
}

__all__ = [
    "AGREEMENTS",
    "ANALYSIS_VERSION",
    "CONFIDENCE",
    "METRIC_LABELS",
    "OUTCOMES",
    "PYTEST_FAILED",
    "RESAMPLES",
    "TOKENIZER",
    "AnalysisResult",
    "ArmStatistics",
    "Codebase",
    "Estimate",
    "FileMetrics",
    "FileSimilarity",
    "HiddenTestRun",
    "HiddenTests",
    "JournalMetrics",
    "MetricsComparison",
    "MetricsSummary",
    "SimilarityResult",
    "SourceFile",
    "StructureResult",
    "Symbol",
    "TestComparison",
    "TestOutcome",
    "analyze",
    "arm_statistics",
    "bootstrap_mean",
    "caveats_markdown",
    "cluster_bootstrap",
    "code_metrics",
    "collect_hidden_tests",
    "compare_metrics",
    "compare_similarity",
    "compare_structure",
    "compare_tests",
    "count_tests",
    "count_tests_cached",
    "count_tokens",
    "fmt",
    "headline",
    "holm_adjust",
    "journal_metrics",
    "load_codebase",
    "paired_difference",
    "parse_python",
    "report_page",
    "run_hidden_tests",
    "symbol_inventory",
    "wilson_interval",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    loaded = importlib.import_module(module)
    value = loaded if attribute is None else getattr(loaded, attribute)
    globals()[name] = value  # found once: later lookups do not come here
    return value
