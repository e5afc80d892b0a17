import sys
import threading
import time

import pytest
from ratelimit import (
    CompositeLimiter,
    FixedWindow,
    LeakyBucket,
    SlidingWindowCounter,
    SlidingWindowLog,
    TokenBucket,
)


@pytest.fixture(autouse=True)
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def hammer(fn, threads=8, calls=250):
    results = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def worker():
        start.wait()
        local = [fn() for _ in range(calls)]
        with lock:
            results.extend(local)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    deadline = time.monotonic() + 15
    for t in pool:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in pool), "threads did not finish (deadlock?)"
    return results


def test_token_bucket_never_over_admits_under_threads():
    tb = TokenBucket(rate=1, burst=500, clock=lambda: 0.0)
    results = hammer(lambda: tb.allow("shared"))
    assert len(results) == 2000
    assert sum(results) == 500


@pytest.mark.parametrize("cls", [TokenBucket, LeakyBucket])
def test_buckets_never_over_admit_many_keys(cls):
    lim = cls(1e-9, 2, clock=lambda: 0.0)
    keys = [f"k{i}" for i in range(600)]
    results = hammer(lambda: [lim.allow(k) for k in keys], threads=8, calls=2)
    assert sum(sum(batch) for batch in results) == 2 * len(keys)


@pytest.mark.parametrize("cls", [FixedWindow, SlidingWindowLog, SlidingWindowCounter])
def test_windows_never_over_admit_many_keys(cls):
    lim = cls(limit=2, window=10, clock=lambda: 1.0)
    keys = list(range(600))
    results = hammer(lambda: [lim.allow(k) for k in keys], threads=8, calls=2)
    assert sum(sum(batch) for batch in results) == 2 * len(keys)


def test_sliding_log_never_over_admits_under_threads():
    log = SlidingWindowLog(limit=300, window=10, clock=lambda: 5.0)
    assert sum(hammer(lambda: log.allow("shared"))) == 300


def test_composite_is_atomic_many_keys():
    a = FixedWindow(limit=3, window=10, clock=lambda: 0.0)
    b = SlidingWindowLog(limit=2, window=10, clock=lambda: 0.0)
    both = CompositeLimiter([a, b])
    keys = list(range(500))
    results = hammer(lambda: [both.allow(k) for k in keys], threads=8, calls=2)
    assert sum(sum(batch) for batch in results) == 2 * len(keys)
    assert all(a.allow(k) for k in keys)
    assert not any(a.allow(k) for k in keys)


def test_composite_is_atomic_under_threads():
    tb = TokenBucket(rate=1, burst=300, clock=lambda: 0.0)
    fw = FixedWindow(limit=1000, window=10, clock=lambda: 0.0)
    both = CompositeLimiter([tb, fw])
    assert sum(hammer(lambda: both.allow("shared"))) == 300
    assert fw.allow("shared", cost=700)
    assert not fw.allow("shared")


def test_composites_sharing_members_do_not_deadlock():
    a = FixedWindow(limit=10**9, window=10, clock=lambda: 0.0)
    b = SlidingWindowLog(limit=10**9, window=10, clock=lambda: 0.0)
    ab = CompositeLimiter([a, b])
    ba = CompositeLimiter([b, a])
    flip = iter(range(10**9))

    def call():
        return (ab if next(flip) % 2 else ba).allow("k")

    results = hammer(call, threads=8, calls=300)
    assert all(results)
