import pytest
from ratelimit import (
    CompositeLimiter,
    FixedWindow,
    LeakyBucket,
    Limiter,
    SlidingWindowCounter,
    SlidingWindowLog,
    SpecError,
    TokenBucket,
    create,
)


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    ("spec", "cls", "attrs"),
    [
        ("token_bucket:rate=5/s,burst=10", TokenBucket, {"rate": 5.0, "burst": 10}),
        ("token_bucket:rate=100/m,burst=20", TokenBucket, {"rate": 100 / 60, "burst": 20}),
        ("token_bucket:rate=3/10s,burst=1", TokenBucket, {"rate": 0.3, "burst": 1}),
        ("token_bucket:rate=2,burst=1", TokenBucket, {"rate": 2.0, "burst": 1}),
        ("token_bucket:rate=7200/h,burst=3", TokenBucket, {"rate": 2.0, "burst": 3}),
        ("token_bucket:rate=1/2.5s,burst=3", TokenBucket, {"rate": 0.4, "burst": 3}),
        ("token_bucket:rate=5/100ms,burst=3", TokenBucket, {"rate": 50.0, "burst": 3}),
        ("token_bucket:rate=86400/d,burst=3", TokenBucket, {"rate": 1.0, "burst": 3}),
        ("leaky_bucket:rate=0.5/s,capacity=2.5", LeakyBucket, {"rate": 0.5, "capacity": 2.5}),
        ("fixed_window:limit=100,window=1h", FixedWindow, {"limit": 100, "window": 3600.0}),
        ("fixed_window:limit=100,window=30", FixedWindow, {"limit": 100, "window": 30.0}),
        ("sliding_log:limit=3,window=500ms", SlidingWindowLog, {"limit": 3, "window": 0.5}),
        ("sliding_counter:limit=9,window=1.5m", SlidingWindowCounter, {"limit": 9, "window": 90}),
        (
            "sliding_counter:window=2d,limit=9",
            SlidingWindowCounter,
            {"limit": 9, "window": 172800},
        ),
        ("  fixed_window : limit = 5 ,  window = 10s  ", FixedWindow, {"limit": 5, "window": 10}),
    ],
)
def test_string_specs(spec, cls, attrs):
    limiter = create(spec)
    assert type(limiter) is cls
    for name, value in attrs.items():
        assert getattr(limiter, name) == pytest.approx(value)


def test_string_composite_in_order():
    lim = create("token_bucket:rate=100/m,burst=20 | fixed_window:limit=1000,window=1h")
    assert isinstance(lim, CompositeLimiter)
    assert [type(m) for m in lim.limiters] == [TokenBucket, FixedWindow]
    assert lim.limiters[1].window == 3600


@pytest.mark.parametrize(
    ("spec", "cls", "attrs"),
    [
        ({"type": "token_bucket", "rate": 2.5, "burst": 3}, TokenBucket, {"rate": 2.5}),
        ({"type": "token_bucket", "rate": "30/m", "burst": "4"}, TokenBucket, {"burst": 4}),
        ({"type": "leaky_bucket", "rate": 1, "capacity": 2}, LeakyBucket, {"capacity": 2}),
        ({"type": "fixed_window", "limit": 5, "window": "2m"}, FixedWindow, {"window": 120}),
        ({"type": "sliding_log", "limit": 3, "window": 0.25}, SlidingWindowLog, {"window": 0.25}),
        ({"type": "sliding_counter", "limit": 3, "window": 4}, SlidingWindowCounter, {"limit": 3}),
    ],
)
def test_dict_specs(spec, cls, attrs):
    limiter = create(spec)
    assert type(limiter) is cls
    for name, value in attrs.items():
        assert getattr(limiter, name) == pytest.approx(value)


def test_dict_composite_with_mixed_members():
    lim = create(
        {
            "type": "composite",
            "limiters": [
                "token_bucket:rate=1/s,burst=2",
                {"type": "fixed_window", "limit": 10, "window": 60},
                {"type": "composite", "limiters": ["sliding_log:limit=1,window=1s"]},
            ],
        }
    )
    assert isinstance(lim, CompositeLimiter)
    assert [type(m) for m in lim.limiters] == [TokenBucket, FixedWindow, CompositeLimiter]
    assert isinstance(lim.limiters[2].limiters[0], SlidingWindowLog)


def test_single_member_dict_composite_is_still_composite():
    lim = create({"type": "composite", "limiters": ["fixed_window:limit=1,window=1"]})
    assert isinstance(lim, CompositeLimiter)
    assert len(lim.limiters) == 1


def test_created_limiters_use_the_given_clock():
    clock = FakeClock(0.0)
    lim = create("token_bucket:rate=2/s,burst=2 | sliding_log:limit=3,window=4s", clock=clock)
    assert isinstance(lim, Limiter)
    assert [lim.allow("k") for _ in range(3)] == [True, True, False]
    assert lim.retry_after("k") == 0.5
    clock.now = 0.5
    assert lim.allow("k")
    assert not lim.allow("k")
    assert lim.retry_after("k") == 3.5
    clock.now = 4.0
    assert lim.allow("k")


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "token_bucket",
        "token_bucket:",
        "token_bucket:rate=5/s",
        "token_bucket:rate=5/s,burst=10,extra=1",
        "token_bucket:rate=5/s,rate=6/s,burst=1",
        "bucket:rate=5/s,burst=1",
        "token_bucket:rate=0/s,burst=1",
        "token_bucket:rate=5/x,burst=1",
        "token_bucket:rate=5/0s,burst=1",
        "token_bucket:rate=fast,burst=1",
        "token_bucket:rate=-5/s,burst=1",
        "token_bucket:rate=5/s,burst=1.5",
        "token_bucket:rate=5/s,burst=0",
        "token_bucket:rate=5/s,burst",
        "fixed_window:limit=10,window=0s",
        "fixed_window:limit=10,window=ten",
        "fixed_window:limit=10,window=5 s s",
        "leaky_bucket:rate=1/s,capacity=0",
        "leaky_bucket:rate=1/s,capacity=big",
        "fixed_window:limit=3,window=1s | ",
        "fixed_window:limit=3,window=1s | nope:limit=1,window=1",
        {"rate": 1},
        {"type": "token_bucket", "rate": 1},
        {"type": "token_bucket", "rate": 1, "burst": True},
        {"type": "token_bucket", "rate": 1, "burst": 2.0},
        {"type": "token_bucket", "rate": 1, "burst": 2, "size": 3},
        {"type": "token_bucket", "rate": "fast", "burst": 1},
        {"type": "fixed_window", "limit": 3, "window": 0},
        {"type": "fixed_window", "limit": 3, "window": -2.5},
        {"type": "composite", "limiters": []},
        {"type": "composite"},
        {"type": "composite", "limiters": [{"type": "nope"}]},
        {"type": "composite", "limiters": ["fixed_window:limit=1,window=1"], "x": 1},
        42,
    ],
)
def test_malformed_specs(spec):
    with pytest.raises(SpecError):
        create(spec)


def test_spec_error_is_value_error():
    assert issubclass(SpecError, ValueError)
    with pytest.raises(ValueError):
        create("what:ever=1")
