"""Comparing two codebases: hidden-test pass rates, structure, metrics, similarity, journal
metrics, statistics and reports. Works on any two folders; imports neither `agents` nor
`experiments`, and runs code only through `sandbox`."""

from analysis._hidden_tests import (
    OUTCOMES,
    HiddenTestRun,
    TestOutcome,
    collect_hidden_tests,
    run_hidden_tests,
)
from analysis._testcount import count_tests

__all__ = [
    "OUTCOMES",
    "HiddenTestRun",
    "TestOutcome",
    "collect_hidden_tests",
    "count_tests",
    "run_hidden_tests",
]
