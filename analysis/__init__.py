"""Comparing two codebases: hidden-test pass rates, structure, metrics, similarity, journal
metrics and statistics. Works on any two folders; imports neither `agents` nor `experiments`,
and runs code only through `sandbox`."""

from analysis import _format as fmt
from analysis._agreement import AGREEMENTS, TestComparison, compare_tests
from analysis._analyze import ANALYSIS_VERSION, AnalysisResult, analyze
from analysis._files import Codebase, SourceFile, load_codebase
from analysis._hidden_tests import (
    OUTCOMES,
    HiddenTestRun,
    HiddenTests,
    TestOutcome,
    collect_hidden_tests,
    run_hidden_tests,
)
from analysis._journal import TOKENIZER, JournalMetrics, count_tokens, journal_metrics
from analysis._metrics import (
    FileMetrics,
    MetricsComparison,
    MetricsSummary,
    code_metrics,
    compare_metrics,
)
from analysis._page import caveats_markdown, report_page
from analysis._similarity import FileSimilarity, SimilarityResult, compare_similarity
from analysis._stats import (
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
from analysis._testcount import count_tests

__all__ = [
    "AGREEMENTS",
    "ANALYSIS_VERSION",
    "OUTCOMES",
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
    "count_tokens",
    "fmt",
    "holm_adjust",
    "journal_metrics",
    "load_codebase",
    "paired_difference",
    "report_page",
    "run_hidden_tests",
    "symbol_inventory",
    "wilson_interval",
]
