import math

import pytest
from ratelimit import CompositeLimiter, FixedWindow, Limiter, SlidingWindowLog, TokenBucket


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def test_composite_refusal_consumes_nothing():
    clock = FakeClock()
    tb = TokenBucket(rate=1, burst=2, clock=clock)
    fw = FixedWindow(limit=3, window=10, clock=clock)
    both = CompositeLimiter([tb, fw])
    assert isinstance(both, Limiter)
    assert both.limiters == [tb, fw]
    assert both.allow("k") and both.allow("k")
    assert not both.allow("k")  # token bucket refuses
    clock.advance(1.0)
    assert both.allow("k")  # fixed window still had one unit left
    clock.advance(1.0)
    assert not both.allow("k")  # fixed window refuses ...
    assert tb.retry_after("k") == 0.0  # ... and the token was not taken
    assert both.retry_after("k") == 8.0


def test_composite_retry_after_is_maximum():
    clock = FakeClock()
    tb = TokenBucket(rate=0.25, burst=1, clock=clock)
    fw = FixedWindow(limit=1, window=2, clock=clock)
    both = CompositeLimiter([fw, tb])
    assert both.allow("k")
    assert fw.retry_after("k") == 2.0
    assert tb.retry_after("k") == 4.0
    assert both.retry_after("k") == 4.0
    assert both.retry_after("k", cost=2) == math.inf


def test_composite_cost_is_applied_to_all_members():
    clock = FakeClock()
    a = FixedWindow(limit=5, window=10, clock=clock)
    b = SlidingWindowLog(limit=4, window=10, clock=clock)
    both = CompositeLimiter([a, b])
    assert both.allow("k", cost=3)
    assert not both.allow("k", cost=2)
    assert a.allow("k", cost=2)
    assert not a.allow("k")
    assert b.allow("k", cost=1)
    assert not b.allow("k")


def test_nested_composites():
    clock = FakeClock()
    a = TokenBucket(rate=1, burst=5, clock=clock)
    b = FixedWindow(limit=4, window=100, clock=clock)
    c = SlidingWindowLog(limit=3, window=100, clock=clock)
    outer = CompositeLimiter([CompositeLimiter([a, b]), c])
    assert [outer.allow("k") for _ in range(4)] == [True, True, True, False]
    assert b.allow("k")  # b saw exactly 3
    assert not b.allow("k")
    assert a.retry_after("k", cost=2) == 0.0  # a has 2 tokens left


def test_composite_reset_resets_members():
    clock = FakeClock()
    a = FixedWindow(limit=1, window=10, clock=clock)
    b = FixedWindow(limit=1, window=10, clock=clock)
    both = CompositeLimiter([a, b])
    assert both.allow("x") and both.allow("y")
    assert not both.allow("x")
    both.reset("x")
    assert both.allow("x")
    assert not both.allow("y")
    both.reset()
    assert both.allow("y")


def test_composite_accepts_any_iterable():
    clock = FakeClock()
    both = CompositeLimiter(FixedWindow(limit=1, window=1, clock=clock) for _ in range(2))
    assert len(both.limiters) == 2
    assert both.allow("k")


def test_composite_validation():
    with pytest.raises(ValueError):
        CompositeLimiter([])
    with pytest.raises(TypeError):
        CompositeLimiter([FixedWindow(limit=1, window=1), "not a limiter"])
    both = CompositeLimiter([FixedWindow(limit=1, window=1)])
    with pytest.raises(ValueError):
        both.allow("k", cost=0)
