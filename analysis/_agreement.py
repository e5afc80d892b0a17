"""Hidden-test comparison of two codebases: pass rates, fidelity, the agreement matrix."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from analysis._hidden_tests import HiddenTestRun

Agreement = Literal["both_pass", "original_only", "regenerated_only", "neither"]
AGREEMENTS: tuple[Agreement, ...] = ("both_pass", "original_only", "regenerated_only", "neither")


class TestComparison(BaseModel):
    """Per-test agreement of the original and the regenerated codebase (DESIGN §6)."""

    __test__ = False  # not a pytest test class

    original_pass_rate: float
    regenerated_pass_rate: float
    fidelity: float | None
    """regenerated ÷ original pass rate; None (undefined) when the original passes nothing."""
    matrix: dict[Agreement, int]
    """Number of tests in each cell."""
    per_test: dict[str, Agreement]
    """The cell of each test, by node id."""


def compare_tests(original: HiddenTestRun, regenerated: HiddenTestRun) -> TestComparison:
    """Agreement of two runs of the same hidden tests (a test missing from a run counts failed)."""
    passed_a = {o.nodeid for o in original.outcomes if o.outcome == "passed"}
    passed_b = {o.nodeid for o in regenerated.outcomes if o.outcome == "passed"}
    tests = list(
        dict.fromkeys(
            [o.nodeid for o in original.outcomes] + [o.nodeid for o in regenerated.outcomes]
        )
    )
    per_test = {test: _cell(test in passed_a, test in passed_b) for test in tests}
    matrix = {cell: sum(1 for v in per_test.values() if v == cell) for cell in AGREEMENTS}
    a, b = original.pass_rate, regenerated.pass_rate
    return TestComparison(
        original_pass_rate=a,
        regenerated_pass_rate=b,
        fidelity=b / a if a > 0 else None,
        matrix=matrix,
        per_test=per_test,
    )


def _cell(original: bool, regenerated: bool) -> Agreement:
    if original and regenerated:
        return "both_pass"
    if original:
        return "original_only"
    return "regenerated_only" if regenerated else "neither"
