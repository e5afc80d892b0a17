import math

import pytest
from ratelimit import FixedWindow, Limiter, SlidingWindowCounter, SlidingWindowLog


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now

    def set(self, now):
        self.now = now


@pytest.fixture
def clock():
    return FakeClock()


def test_fixed_window_counts_per_aligned_window(clock):
    clock.set(12.0)
    fw = FixedWindow(limit=3, window=10, clock=clock)
    assert isinstance(fw, Limiter)
    assert [fw.allow("k") for _ in range(4)] == [True, True, True, False]
    assert fw.retry_after("k") == 8.0
    clock.set(19.5)
    assert not fw.allow("k")
    assert fw.retry_after("k") == 0.5
    clock.set(20.0)
    assert fw.retry_after("k") == 0.0
    assert [fw.allow("k") for _ in range(4)] == [True, True, True, False]


def test_fixed_window_allows_burst_across_boundary(clock):
    fw = FixedWindow(limit=3, window=10, clock=clock)
    clock.set(19.0)
    assert all(fw.allow("k") for _ in range(3))
    clock.set(20.0)
    assert all(fw.allow("k") for _ in range(3))
    assert not fw.allow("k")


def test_fixed_window_cost_and_keys(clock):
    clock.set(5.0)
    fw = FixedWindow(limit=3, window=10, clock=clock)
    assert fw.allow("a", cost=2)
    assert not fw.allow("a", cost=2)
    assert fw.retry_after("a", cost=2) == 5.0
    assert fw.allow("a", cost=1)
    assert fw.allow("b", cost=3)
    assert fw.retry_after("a", cost=4) == math.inf
    assert not fw.allow("a", cost=4)


def test_fixed_window_reset(clock):
    fw = FixedWindow(limit=1, window=10, clock=clock)
    assert fw.allow("k")
    assert not fw.allow("k")
    fw.reset("k")
    assert fw.allow("k")


def test_sliding_log_expiry_boundary(clock):
    log = SlidingWindowLog(limit=3, window=10, clock=clock)
    assert isinstance(log, Limiter)
    for t in (0.0, 2.0, 4.0):
        clock.set(t)
        assert log.allow("k")
    clock.set(5.0)
    assert not log.allow("k")
    assert log.retry_after("k") == 5.0
    clock.set(9.75)
    assert not log.allow("k")
    assert log.retry_after("k") == 0.25
    clock.set(10.0)
    assert log.allow("k")
    clock.set(11.0)
    assert not log.allow("k")
    assert log.retry_after("k") == 1.0


def test_sliding_log_weighted_retry_after(clock):
    log = SlidingWindowLog(limit=5, window=10, clock=clock)
    assert log.allow("k", cost=3)
    clock.set(1.0)
    assert log.allow("k", cost=2)
    clock.set(2.0)
    assert not log.allow("k", cost=1)
    assert log.retry_after("k", cost=3) == 8.0
    assert log.retry_after("k", cost=4) == 9.0
    assert log.retry_after("k", cost=6) == math.inf
    clock.set(10.0)
    assert not log.allow("k", cost=4)
    assert log.allow("k", cost=3)


def test_sliding_log_refused_requests_are_not_logged(clock):
    log = SlidingWindowLog(limit=1, window=4, clock=clock)
    assert log.allow("k")
    for t in (1.0, 2.0, 3.0, 3.5):
        clock.set(t)
        assert not log.allow("k")
    clock.set(4.0)
    assert log.allow("k")


def test_sliding_log_no_boundary_burst(clock):
    log = SlidingWindowLog(limit=3, window=10, clock=clock)
    clock.set(19.0)
    assert all(log.allow("k") for _ in range(3))
    clock.set(20.0)
    assert not log.allow("k")
    assert log.retry_after("k") == 9.0


def test_sliding_counter_weighted_previous_window(clock):
    sc = SlidingWindowCounter(limit=10, window=4, clock=clock)
    assert isinstance(sc, Limiter)
    clock.set(2.0)
    assert sc.allow("k", cost=8)
    clock.set(4.0)
    assert sc.allow("k", cost=2)
    assert not sc.allow("k")
    assert sc.retry_after("k") == 0.5
    clock.set(4.25)
    assert not sc.allow("k")
    assert sc.retry_after("k") == 0.25
    clock.set(4.5)
    assert sc.allow("k")
    assert not sc.allow("k")


def test_sliding_counter_waits_into_next_window(clock):
    sc = SlidingWindowCounter(limit=4, window=4, clock=clock)
    assert sc.allow("k", cost=4)
    assert not sc.allow("k")
    assert sc.retry_after("k") == 5.0
    assert sc.retry_after("k", cost=4) == 8.0
    clock.set(4.5)
    assert not sc.allow("k")
    assert sc.retry_after("k") == 0.5
    clock.set(5.0)
    assert sc.allow("k")
    assert not sc.allow("k")


def test_sliding_counter_forgets_after_two_windows(clock):
    sc = SlidingWindowCounter(limit=4, window=4, clock=clock)
    assert sc.allow("k", cost=4)
    clock.set(8.0)
    assert sc.allow("k", cost=4)
    clock.set(13.0)
    # previous window [8, 12) had 4 units; 4 * (1 - 1/4) = 3
    assert sc.allow("k", cost=1)
    assert not sc.allow("k", cost=1)


def test_sliding_counter_cost_above_limit(clock):
    sc = SlidingWindowCounter(limit=3, window=1, clock=clock)
    assert sc.retry_after("k", cost=4) == math.inf
    assert not sc.allow("k", cost=4)
    assert sc.allow("k", cost=3)


@pytest.mark.parametrize("cls", [FixedWindow, SlidingWindowLog, SlidingWindowCounter])
def test_window_limiters_per_key_and_reset_all(clock, cls):
    lim = cls(limit=2, window=10, clock=clock)
    assert lim.allow("a") and lim.allow("a")
    assert not lim.allow("a")
    assert lim.allow("b")
    lim.reset()
    assert lim.allow("a") and lim.allow("a")
    assert (lim.limit, lim.window) == (2, 10)


@pytest.mark.parametrize("cls", [FixedWindow, SlidingWindowLog, SlidingWindowCounter])
@pytest.mark.parametrize(
    ("limit", "window"),
    [(0, 10), (-1, 10), (2.0, 10), (True, 10), (2, 0), (2, -1.5), (2, "10"), (2, math.nan)],
)
def test_window_constructor_validation(cls, limit, window):
    with pytest.raises(ValueError):
        cls(limit=limit, window=window)
