import math

import pytest
from ratelimit import LeakyBucket, Limiter, TokenBucket


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def test_token_bucket_starts_full_then_refuses(clock):
    tb = TokenBucket(rate=2, burst=4, clock=clock)
    assert isinstance(tb, Limiter)
    assert [tb.allow("k") for _ in range(5)] == [True, True, True, True, False]


def test_token_bucket_refill_and_retry_after(clock):
    tb = TokenBucket(rate=2, burst=4, clock=clock)
    for _ in range(4):
        tb.allow("k")
    assert tb.retry_after("k") == 0.5
    clock.advance(0.25)
    assert tb.retry_after("k") == 0.25
    assert tb.allow("k") is False
    clock.advance(0.25)
    assert tb.retry_after("k") == 0.0
    assert tb.allow("k") is True
    assert tb.allow("k") is False


def test_token_bucket_refill_is_capped_at_burst(clock):
    tb = TokenBucket(rate=2, burst=3, clock=clock)
    tb.allow("k")
    clock.advance(1000)
    assert [tb.allow("k") for _ in range(4)] == [True, True, True, False]


def test_token_bucket_cost(clock):
    tb = TokenBucket(rate=4, burst=4, clock=clock)
    assert tb.allow("k", cost=3) is True
    assert tb.allow("k", cost=2) is False
    assert tb.retry_after("k", cost=2) == 0.25
    assert tb.allow("k", cost=1) is True
    assert tb.retry_after("k", cost=4) == 1.0


def test_token_bucket_cost_above_burst_never_fits(clock):
    tb = TokenBucket(rate=1, burst=2, clock=clock)
    assert tb.allow("k", cost=3) is False
    assert tb.retry_after("k", cost=3) == math.inf
    assert tb.allow("k", cost=2) is True


def test_token_bucket_fractional_rate(clock):
    tb = TokenBucket(rate=0.5, burst=1, clock=clock)
    assert tb.allow("k")
    assert tb.retry_after("k") == 2.0
    clock.advance(1.5)
    assert tb.retry_after("k") == 0.5
    assert not tb.allow("k")
    clock.advance(0.5)
    assert tb.allow("k")


def test_token_bucket_keys_are_independent_and_new_keys_start_full(clock):
    tb = TokenBucket(rate=1, burst=2, clock=clock)
    assert tb.allow("a") and tb.allow("a")
    assert not tb.allow("a")
    clock.advance(0.5)
    assert tb.allow(("tuple", 1)) and tb.allow(("tuple", 1))
    assert not tb.allow(("tuple", 1))
    assert not tb.allow("a")


def test_retry_after_consumes_nothing(clock):
    tb = TokenBucket(rate=1, burst=1, clock=clock)
    for _ in range(10):
        assert tb.retry_after("k") == 0.0
    assert tb.allow("k")


def test_token_bucket_reset(clock):
    tb = TokenBucket(rate=1, burst=2, clock=clock)
    for key in ("a", "b"):
        tb.allow(key)
        tb.allow(key)
    tb.reset("a")
    assert tb.allow("a") and tb.allow("a")
    assert not tb.allow("b")
    tb.reset()
    assert tb.allow("b")
    tb.reset("never-seen")


def test_leaky_bucket_meter(clock):
    lb = LeakyBucket(rate=1, capacity=3, clock=clock)
    assert isinstance(lb, Limiter)
    assert [lb.allow("k") for _ in range(4)] == [True, True, True, False]
    assert lb.retry_after("k") == 1.0
    clock.advance(0.5)
    assert lb.retry_after("k") == 0.5
    assert not lb.allow("k")
    clock.advance(0.5)
    assert lb.allow("k")
    assert not lb.allow("k")


def test_leaky_bucket_level_never_below_zero(clock):
    lb = LeakyBucket(rate=2, capacity=3, clock=clock)
    lb.allow("k")
    clock.advance(500)
    assert [lb.allow("k") for _ in range(4)] == [True, True, True, False]


def test_leaky_bucket_cost_and_fractional_capacity(clock):
    lb = LeakyBucket(rate=2, capacity=2.5, clock=clock)
    assert lb.allow("k", cost=2)
    assert not lb.allow("k", cost=1)
    assert lb.retry_after("k", cost=1) == 0.25
    assert lb.retry_after("k", cost=3) == math.inf
    clock.advance(0.25)
    assert lb.allow("k", cost=1)


def test_leaky_bucket_drains_continuously(clock):
    lb = LeakyBucket(rate=4, capacity=4, clock=clock)
    assert lb.allow("k", cost=4)
    clock.advance(0.5)  # level 2
    assert lb.allow("k", cost=2)
    assert not lb.allow("k", cost=1)
    assert lb.retry_after("k", cost=2) == 0.5


@pytest.mark.parametrize(
    "make",
    [
        lambda: TokenBucket(rate=0, burst=1),
        lambda: TokenBucket(rate=-1, burst=1),
        lambda: TokenBucket(rate=1, burst=0),
        lambda: TokenBucket(rate=1, burst=1.5),
        lambda: TokenBucket(rate=1, burst=True),
        lambda: TokenBucket(rate="1", burst=1),
        lambda: TokenBucket(rate=math.inf, burst=1),
        lambda: LeakyBucket(rate=1, capacity=0),
        lambda: LeakyBucket(rate=0, capacity=1),
        lambda: LeakyBucket(rate=True, capacity=1),
    ],
)
def test_bucket_constructor_validation(make):
    with pytest.raises(ValueError):
        make()


def test_bucket_attributes():
    tb = TokenBucket(rate=2.5, burst=7)
    assert (tb.rate, tb.burst) == (2.5, 7)
    lb = LeakyBucket(rate=3, capacity=1.5)
    assert (lb.rate, lb.capacity) == (3, 1.5)


@pytest.mark.parametrize("cost", [0, -1, 1.5, True, "1"])
def test_invalid_cost(clock, cost):
    tb = TokenBucket(rate=1, burst=5, clock=clock)
    with pytest.raises(ValueError):
        tb.allow("k", cost=cost)
    with pytest.raises(ValueError):
        tb.retry_after("k", cost=cost)
    assert [tb.allow("k") for _ in range(6)] == [True] * 5 + [False]


def test_default_clock_is_monotonic_time():
    tb = TokenBucket(rate=1000, burst=1)
    assert tb.allow("k") is True
