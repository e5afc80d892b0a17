import math
import random

import pytest
from running_stats import RunningStats

DATA = [2, 4, 4, 4, 5, 5, 7, 9]


def _reference(values):
    n = len(values)
    mean = math.fsum(values) / n
    m2 = math.fsum((v - mean) ** 2 for v in values)
    return mean, m2 / n, (m2 / (n - 1) if n > 1 else None)


def test_new_accumulator_is_empty():
    assert RunningStats().count == 0


@pytest.mark.parametrize("attr", ["mean", "variance", "stddev", "min", "max"])
def test_empty_statistics_raise(attr):
    stats = RunningStats()
    with pytest.raises(ValueError):
        getattr(stats, attr)


@pytest.mark.parametrize("attr", ["sample_variance", "sample_stddev"])
def test_sample_statistics_need_two_values(attr):
    stats = RunningStats()
    with pytest.raises(ValueError):
        getattr(stats, attr)
    stats.push(3.0)
    with pytest.raises(ValueError):
        getattr(stats, attr)
    stats.push(5.0)
    assert getattr(stats, attr) == pytest.approx(2.0 if attr == "sample_variance" else 2**0.5)


def test_single_value():
    stats = RunningStats()
    stats.push(7.5)
    assert stats.count == 1
    assert stats.mean == pytest.approx(7.5)
    assert stats.variance == pytest.approx(0.0)
    assert stats.stddev == pytest.approx(0.0)
    assert stats.min == 7.5
    assert stats.max == 7.5


def test_known_dataset():
    stats = RunningStats()
    for x in DATA:
        stats.push(x)
    assert stats.count == 8
    assert stats.mean == pytest.approx(5.0)
    assert stats.variance == pytest.approx(4.0)
    assert stats.stddev == pytest.approx(2.0)
    assert stats.sample_variance == pytest.approx(32 / 7)
    assert stats.sample_stddev == pytest.approx(math.sqrt(32 / 7))
    assert stats.min == 2
    assert stats.max == 9


def test_results_are_floats_for_int_input():
    stats = RunningStats([1, 2, 3, 4])
    assert isinstance(stats.count, int)
    for value in (stats.mean, stats.variance, stats.stddev, stats.sample_variance):
        assert isinstance(value, float)
    assert stats.mean == pytest.approx(2.5)


def test_constructor_values_and_extend_match_push():
    pushed = RunningStats()
    for x in DATA:
        pushed.push(x)
    built = RunningStats(DATA)
    extended = RunningStats([2, 4])
    extended.extend(iter(DATA[2:]))
    for stats in (built, extended):
        assert stats.count == pushed.count
        assert stats.mean == pytest.approx(pushed.mean)
        assert stats.variance == pytest.approx(pushed.variance)
        assert (stats.min, stats.max) == (2, 9)


def test_negative_values_min_max():
    stats = RunningStats([3.5, -2.25, 0, -7, 1])
    assert stats.min == -7
    assert stats.max == 3.5
    assert stats.mean == pytest.approx(-0.95)


def test_matches_exact_computation_on_random_data():
    rng = random.Random(1234)
    values = [rng.uniform(-1000, 1000) for _ in range(2000)]
    stats = RunningStats(values)
    mean, var, sample_var = _reference(values)
    assert stats.mean == pytest.approx(mean, rel=1e-9, abs=1e-9)
    assert stats.variance == pytest.approx(var, rel=1e-9)
    assert stats.sample_variance == pytest.approx(sample_var, rel=1e-9)


def test_catastrophic_cancellation_large_offset():
    stats = RunningStats(1e9 + x for x in [4, 7, 13, 16])
    assert stats.mean == pytest.approx(1e9 + 10, rel=1e-15)
    assert stats.variance == pytest.approx(22.5, rel=1e-6)
    assert stats.sample_variance == pytest.approx(30.0, rel=1e-6)
    assert stats.stddev == pytest.approx(math.sqrt(22.5), rel=1e-6)


def test_large_offset_many_small_steps():
    stats = RunningStats(1e9 + 0.1 * i for i in range(1000))
    assert stats.variance == pytest.approx(0.01 * (1000**2 - 1) / 12, rel=1e-6)


def test_constant_large_values_have_zero_variance():
    stats = RunningStats([1e9 + 0.1] * 1000)
    assert stats.variance == pytest.approx(0.0, abs=1e-9)
    assert stats.variance >= 0.0
    assert stats.stddev == pytest.approx(0.0, abs=1e-4)
    assert stats.sample_stddev == pytest.approx(0.0, abs=1e-4)


@pytest.mark.parametrize("bad", ["1.5", None, True, [1.0], complex(1, 0)])
def test_push_rejects_non_numbers(bad):
    stats = RunningStats([1.0, 2.0])
    with pytest.raises(TypeError):
        stats.push(bad)
    assert stats.count == 2
    assert stats.mean == pytest.approx(1.5)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_push_rejects_non_finite(bad):
    stats = RunningStats([1.0, 2.0])
    with pytest.raises(ValueError):
        stats.push(bad)
    assert stats.count == 2
    assert stats.variance == pytest.approx(0.25)
    assert (stats.min, stats.max) == (1.0, 2.0)


def test_merge_equals_pushing_everything():
    rng = random.Random(99)
    left = [rng.gauss(50, 10) for _ in range(300)]
    right = [rng.gauss(-20, 3) for _ in range(77)]
    merged = RunningStats(left).merge(RunningStats(right))
    whole = RunningStats(left + right)
    assert merged.count == 377
    assert merged.mean == pytest.approx(whole.mean, rel=1e-9)
    assert merged.variance == pytest.approx(whole.variance, rel=1e-9)
    assert merged.sample_variance == pytest.approx(whole.sample_variance, rel=1e-9)
    assert merged.min == whole.min
    assert merged.max == whole.max


def test_merge_large_offset():
    a = RunningStats([1e9 + 4, 1e9 + 7])
    b = RunningStats([1e9 + 13, 1e9 + 16])
    merged = a.merge(b)
    assert merged.mean == pytest.approx(1e9 + 10, rel=1e-15)
    assert merged.variance == pytest.approx(22.5, rel=1e-6)


def test_merge_does_not_modify_inputs_and_returns_new_object():
    a = RunningStats([1, 2, 3])
    b = RunningStats([10, 20])
    merged = a.merge(b)
    assert merged is not a and merged is not b
    assert a.count == 3 and a.mean == pytest.approx(2.0) and a.max == 3
    assert b.count == 2 and b.mean == pytest.approx(15.0) and b.min == 10
    merged.push(100)
    assert a.count == 3 and b.count == 2


def test_merge_with_empty():
    full = RunningStats(DATA)
    for merged in (full.merge(RunningStats()), RunningStats().merge(full)):
        assert merged.count == 8
        assert merged.mean == pytest.approx(5.0)
        assert merged.variance == pytest.approx(4.0)
        assert (merged.min, merged.max) == (2, 9)


def test_merge_two_empty_is_empty():
    merged = RunningStats().merge(RunningStats())
    assert merged.count == 0
    with pytest.raises(ValueError):
        _ = merged.mean
    merged.push(4.0)
    assert merged.mean == pytest.approx(4.0)
    assert (merged.min, merged.max) == (4.0, 4.0)


def test_merged_accumulator_keeps_accumulating():
    merged = RunningStats([1.0, 2.0]).merge(RunningStats([3.0]))
    merged.extend([4.0, 5.0])
    assert merged.count == 5
    assert merged.mean == pytest.approx(3.0)
    assert merged.variance == pytest.approx(2.0)
    assert merged.max == 5.0
