"""Journal metrics, statistics and the agreement matrix, on hand-made inputs with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import (
    HiddenTestRun,
    TestOutcome,
    bootstrap_mean,
    compare_tests,
    count_tokens,
    journal_metrics,
    load_codebase,
    paired_difference,
)
from analysis._journal import fidelity_per_1k_tokens, nontrivial_lines

CODE = '''\
import os


def total_size(folder):
    """Sum of file sizes."""
    size = 0
    for name in os.listdir(folder):
        size += os.path.getsize(os.path.join(folder, name))
    return size
'''


@pytest.fixture
def original(tmp_path: Path):
    (tmp_path / "sizes.py").write_text(CODE)
    return load_codebase(tmp_path)


def test_nontrivial_lines_skip_the_generic_ones() -> None:
    assert nontrivial_lines(CODE) == [
        "def total_size(folder):",
        '"""Sum of file sizes."""',
        "for name in os.listdir(folder):",
        "size += os.path.getsize(os.path.join(folder, name))",
    ]


def test_a_journal_holding_all_the_code_leaks_everything(original) -> None:
    metrics = journal_metrics(
        f"## 1. step\n\nHere is the code:\n\n```python\n{CODE}```\n", original
    )
    assert metrics.leakage == 1.0 and metrics.nontrivial_lines == 4


def test_a_prose_journal_leaks_nothing(original) -> None:
    journal = "One module sizes.py with total_size(folder): it adds up the sizes of the files."
    metrics = journal_metrics(journal, original)
    assert metrics.leakage == 0.0 and metrics.leaked_lines == []


def test_partial_leakage_ignores_whitespace_differences(original) -> None:
    journal = "It loops with `for  name in os.listdir(folder):` and sums."
    metrics = journal_metrics(journal, original)
    assert metrics.leaked_lines == ["for name in os.listdir(folder):"]
    assert metrics.leakage == pytest.approx(1 / 4)


LOOKUP = """\
def lookup(table, key, default=None):
    if key not in table:
        return default
    return table[key]  # the stored value
"""


@pytest.fixture
def lookup(tmp_path: Path):
    (tmp_path / "lookup.py").write_text(LOOKUP)
    return load_codebase(tmp_path)


def test_a_code_line_read_as_part_of_a_sentence_is_not_leaked(lookup) -> None:
    journal = "lookup should return default when the key is not in table, else table[key]."
    metrics = journal_metrics(journal, lookup)
    assert metrics.nontrivial_lines == 4 and metrics.leaked_lines == []


def test_whole_lines_spans_and_code_on_token_boundaries_leak(lookup) -> None:
    journal = (
        "Steps:\n"
        "- return default\n"  # a whole line, list marker dropped
        "It guards with `if  key not in table:` first.\n"  # a whole inline span
        "```\n"
        "def lookup(table, key, default=None): return table[key]\n"  # inside fenced code
        "```\n"
    )
    metrics = journal_metrics(journal, lookup)
    assert metrics.leaked_lines == [
        "def lookup(table, key, default=None):",
        "if key not in table:",
        "return default",
        "return table[key]",  # the original's trailing comment is not part of the line
    ]


def test_inside_code_a_match_must_start_and_end_on_token_boundaries(original) -> None:
    journal = "```\ntotal_size += os.path.getsize(os.path.join(folder, name))\n```"
    assert journal_metrics(journal, original).leaked_lines == []
    journal = "```\nsize += os.path.getsize(os.path.join(folder, name))  # the sum\n```"
    assert journal_metrics(journal, original).leaked_lines == [
        "size += os.path.getsize(os.path.join(folder, name))"
    ]


def test_tokens_and_compression(original) -> None:
    # total _ size ( folder ) returns 102 4 bytes .
    assert count_tokens("total_size(folder) returns 1024 bytes.") == 11
    metrics = journal_metrics("Sums file sizes.", original)
    assert metrics.journal_tokens == 4 and metrics.journal_words == 3
    assert metrics.compression == pytest.approx(4 / count_tokens(CODE))
    assert "regex" in metrics.tokenizer


def test_fidelity_per_1k_tokens() -> None:
    assert fidelity_per_1k_tokens(0.8, 2000) == pytest.approx(0.4)
    assert fidelity_per_1k_tokens(None, 2000) is None and fidelity_per_1k_tokens(0.5, 0) is None


def test_bootstrap_of_constant_values_is_that_constant() -> None:
    estimate = bootstrap_mean([0.5] * 6)
    assert (estimate.mean, estimate.low, estimate.high, estimate.n) == (0.5, 0.5, 0.5, 6)


def test_bootstrap_interval_brackets_the_mean_and_is_reproducible() -> None:
    values = [0.1, 0.4, 0.35, 0.8, 0.6, 0.55, 0.2, 0.9]
    estimate = bootstrap_mean(values)
    assert estimate.low is not None and estimate.high is not None
    assert min(values) <= estimate.low < estimate.mean < estimate.high <= max(values)
    assert bootstrap_mean(values) == estimate
    assert estimate.mean == pytest.approx(sum(values) / len(values))


def test_one_observation_has_no_interval() -> None:
    estimate = bootstrap_mean([0.7])
    assert (estimate.low, estimate.high) == (None, None)
    with pytest.raises(ValueError):
        bootstrap_mean([])


def test_paired_difference_uses_common_units() -> None:
    journal = {"run1": 0.9, "run2": 0.7, "run3": 0.8, "run4": 0.6}
    prompt = {"run1": 0.8, "run2": 0.6, "run3": 0.7, "extra": 0.0}
    estimate = paired_difference(journal, prompt)
    assert estimate.n == 3 and estimate.mean == pytest.approx(0.1)
    assert estimate.low == pytest.approx(0.1) and estimate.high == pytest.approx(0.1)
    with pytest.raises(ValueError, match="no unit"):
        paired_difference({"a": 1.0}, {"b": 1.0})


def run_of(outcomes: dict[str, str]) -> HiddenTestRun:
    tests = [TestOutcome.model_validate({"nodeid": n, "outcome": o}) for n, o in outcomes.items()]
    return HiddenTestRun(outcomes=tests, backend="bwrap")


def test_agreement_matrix() -> None:
    original = run_of({"t1": "passed", "t2": "passed", "t3": "failed", "t4": "error"})
    regenerated = run_of({"t1": "passed", "t2": "failed", "t3": "passed", "t4": "not_run"})
    comparison = compare_tests(original, regenerated)
    assert comparison.matrix == {
        "both_pass": 1,
        "original_only": 1,
        "regenerated_only": 1,
        "neither": 1,
    }
    assert comparison.per_test == {
        "t1": "both_pass",
        "t2": "original_only",
        "t3": "regenerated_only",
        "t4": "neither",
    }
    assert comparison.fidelity == pytest.approx(1.0)


def test_fidelity_is_undefined_when_the_original_passes_nothing() -> None:
    comparison = compare_tests(run_of({"t1": "failed"}), run_of({"t1": "passed"}))
    assert comparison.fidelity is None and comparison.regenerated_pass_rate == 1.0


def test_arm_statistics_pairs_arms_on_the_same_builder_output() -> None:
    from analysis import arm_statistics

    fidelity = {
        "run1": {"journal": 0.9, "prompt": 0.8},
        "run2": {"journal": 0.7, "prompt": 0.6},
        "run3": {"journal": 0.8, "prompt": 0.7, "none": 0.1},
    }
    stats = arm_statistics(fidelity)
    assert set(stats.arms) == {"journal", "none", "prompt"}
    assert stats.arms["journal"].mean == pytest.approx(0.8) and stats.arms["none"].n == 1
    assert stats.differences["journal - prompt"].mean == pytest.approx(0.1)
    assert stats.differences["journal - none"].n == 1
