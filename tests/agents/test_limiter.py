"""Adaptive provider limiter: the cap holds, AIMD adapts it, retry-after pauses everyone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from agents.models import LimiterRegistry, ProviderLimiter, TransientError, default_registry
from agents.models._limiter import is_rate_limit

JOIN_S = 60.0
"""Generous bound on any thread join: a hang fails the test instead of blocking the run."""


class StatusError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run_threads(count: int, target: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_S)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + JOIN_S
    while not condition():
        assert time.monotonic() < deadline, "condition never came true"
        time.sleep(0.001)


def test_never_more_than_limit_holders() -> None:
    limiter = ProviderLimiter("p", initial=3)
    lock = threading.Lock()
    active = peak = 0

    def worker(_: int) -> None:
        nonlocal active, peak
        for _ in range(3):
            with limiter.slot():
                with lock:
                    active += 1
                    peak = max(peak, active)
                time.sleep(0.005)
                with lock:
                    active -= 1

    run_threads(24, worker)
    assert 1 <= peak <= 3
    assert limiter.in_flight == 0
    assert limiter.waiting == 0


def test_a_waiter_enters_when_a_slot_frees() -> None:
    limiter = ProviderLimiter("p", initial=2)
    release = [threading.Event(), threading.Event()]
    entered = threading.Event()

    def holder(i: int) -> None:
        with limiter.slot():
            release[i].wait(JOIN_S)

    def late() -> None:
        with limiter.slot():
            entered.set()

    holders = [threading.Thread(target=holder, args=(i,), daemon=True) for i in range(2)]
    for thread in holders:
        thread.start()
    wait_until(lambda: limiter.in_flight == 2)
    waiter = threading.Thread(target=late, daemon=True)
    waiter.start()
    wait_until(lambda: limiter.waiting == 1)
    assert not entered.is_set()
    release[0].set()
    assert entered.wait(JOIN_S)
    release[1].set()
    for thread in [*holders, waiter]:
        thread.join(JOIN_S)
    assert limiter.in_flight == 0


def test_waiters_are_served_first_come_first_served() -> None:
    limiter = ProviderLimiter("p", initial=1)
    order: list[int] = []

    def waiter(i: int) -> None:
        with limiter.slot():
            order.append(i)

    threads = []
    with limiter.slot():
        for i in range(5):
            thread = threading.Thread(target=waiter, args=(i,), daemon=True)
            thread.start()
            threads.append(thread)
            wait_until(lambda: limiter.waiting == len(threads))
    for thread in threads:
        thread.join(JOIN_S)
    assert order == [0, 1, 2, 3, 4]


def test_slot_is_released_when_the_call_raises() -> None:
    limiter = ProviderLimiter("p", initial=1)
    with pytest.raises(RuntimeError), limiter.slot():
        raise RuntimeError("boom")
    assert limiter.in_flight == 0


def test_rate_limit_halves_the_limit_down_to_the_minimum() -> None:
    limiter = ProviderLimiter("p", initial=9, minimum=2)
    limiter.on_rate_limited(None)
    assert limiter.limit == 4
    limiter.on_rate_limited(None)
    assert limiter.limit == 2
    limiter.on_rate_limited(None)
    assert limiter.limit == 2
    assert limiter.snapshot().decreases == 2


def test_successes_grow_the_limit_by_one_up_to_the_maximum() -> None:
    limiter = ProviderLimiter("p", initial=2, maximum=3, increase_every=3)
    for _ in range(2):
        limiter.on_success()
    assert limiter.limit == 2
    limiter.on_success()
    assert limiter.limit == 3
    for _ in range(6):
        limiter.on_success()
    assert limiter.limit == 3
    assert limiter.snapshot().increases == 1


def test_a_rate_limit_restarts_the_run_of_successes() -> None:
    limiter = ProviderLimiter("p", initial=4, increase_every=3)
    limiter.on_success()
    limiter.on_success()
    limiter.on_rate_limited(None)
    limiter.on_success()
    limiter.on_success()
    assert limiter.limit == 2
    limiter.on_success()
    assert limiter.limit == 3


def test_a_bigger_limit_admits_a_waiter() -> None:
    limiter = ProviderLimiter("p", initial=1, increase_every=1)
    entered = threading.Event()

    def late() -> None:
        with limiter.slot():
            entered.set()

    with limiter.slot():
        waiter = threading.Thread(target=late, daemon=True)
        waiter.start()
        wait_until(lambda: limiter.waiting == 1)
        limiter.on_success()
        assert entered.wait(JOIN_S)
    waiter.join(JOIN_S)


def test_retry_after_pauses_new_slots() -> None:
    limiter = ProviderLimiter("p", initial=4)
    started = time.monotonic()
    limiter.on_rate_limited(0.2)
    assert limiter.snapshot().paused_until is not None
    with limiter.slot():
        waited = time.monotonic() - started
    assert 0.19 <= waited < 10.0
    assert limiter.snapshot().paused_until is None


def test_no_retry_after_means_no_pause() -> None:
    limiter = ProviderLimiter("p", initial=4)
    limiter.on_rate_limited(None)
    assert limiter.snapshot().paused_until is None
    started = time.monotonic()
    with limiter.slot():
        pass
    assert time.monotonic() - started < 1.0


def test_the_pause_holds_back_every_caller() -> None:
    fake = FakeTime()
    limiter = ProviderLimiter("p", initial=4, clock=fake.clock, sleep=fake.sleep)
    limiter.on_rate_limited(5.0)
    with limiter.slot():
        pass
    assert fake.sleeps == [5.0]
    with limiter.slot():
        pass
    assert fake.sleeps == [5.0]


def test_a_later_deadline_extends_the_pause_and_an_earlier_one_does_not() -> None:
    fake = FakeTime()
    limiter = ProviderLimiter("p", initial=8, clock=fake.clock, sleep=fake.sleep)
    limiter.on_rate_limited(2.0)
    limiter.on_rate_limited(7.0)
    limiter.on_rate_limited(1.0)
    assert limiter.snapshot().paused_until == 107.0
    with limiter.slot():
        pass
    assert sum(fake.sleeps) == pytest.approx(7.0)


def test_a_pause_is_capped() -> None:
    fake = FakeTime()
    limiter = ProviderLimiter("p", max_pause_s=30.0, clock=fake.clock, sleep=fake.sleep)
    limiter.on_rate_limited(3600.0)
    with limiter.slot():
        pass
    assert fake.sleeps == [30.0]


@pytest.mark.parametrize(
    ("initial", "minimum", "maximum", "increase_every"),
    [(4, 0, 64, 10), (0, 1, 64, 10), (65, 1, 64, 10), (4, 5, 64, 10), (4, 1, 64, 0)],
)
def test_bad_settings_are_refused(
    initial: int, minimum: int, maximum: int, increase_every: int
) -> None:
    with pytest.raises(ValueError):
        ProviderLimiter(
            "p", initial=initial, minimum=minimum, maximum=maximum, increase_every=increase_every
        )


def test_registry_shares_a_limiter_per_provider_and_url() -> None:
    registry = LimiterRegistry(initial=7)
    anthropic = registry.for_provider("anthropic")
    assert registry.for_provider("anthropic") is anthropic
    assert registry.for_provider("openai") is not anthropic
    local = registry.for_provider("openai", "http://localhost:8000/v1")
    assert registry.for_provider("openai", "http://localhost:8000/v1/") is local
    assert registry.for_provider("openai", "http://localhost:9000/v1") is not local
    assert local.limit == 7
    names = [state.name for state in registry.snapshot()]
    assert names == sorted(names)
    assert len(names) == 4


def test_default_registry_is_process_wide() -> None:
    assert default_registry() is default_registry()
    assert default_registry().for_provider("x-test") is default_registry().for_provider("x-test")


@pytest.mark.parametrize("status", [429, 529, 503])
def test_rate_limit_statuses(status: int) -> None:
    assert is_rate_limit(StatusError(status))
    assert is_rate_limit(TransientError("slow down", status_code=status))


@pytest.mark.parametrize("status", [400, 500])
def test_other_statuses_are_not_rate_limits(status: int) -> None:
    assert not is_rate_limit(StatusError(status))
    assert not is_rate_limit(TransientError("flaky", status_code=status))


def test_plain_errors_are_not_rate_limits() -> None:
    assert not is_rate_limit(ValueError("nope"))


def test_limiter_adapts_to_a_provider_that_allows_three_calls() -> None:
    limiter = ProviderLimiter("fake", initial=8, increase_every=10)
    lock = threading.Lock()
    active = 0
    done = rejected = 0

    def provider() -> None:
        nonlocal active
        with lock:
            active += 1
            over = active > 3
        try:
            if over:
                raise TransientError("too many requests", status_code=429, retry_after_s=0.05)
            time.sleep(0.02)
        finally:
            with lock:
                active -= 1

    def call() -> None:
        nonlocal done, rejected
        for _ in range(200):
            with limiter.slot():
                try:
                    provider()
                except TransientError as exc:
                    assert is_rate_limit(exc)
                    limiter.on_rate_limited(exc.retry_after_s)
                    with lock:
                        rejected += 1
                    continue
                limiter.on_success()
                with lock:
                    done += 1
                return
        raise AssertionError("a call never got through")

    def worker(_: int) -> None:
        for _ in range(5):
            call()

    run_threads(16, worker)
    state = limiter.snapshot()
    assert done == 80
    assert rejected >= 1
    assert state.decreases >= 1
    assert state.limit <= 4
    assert state.in_flight == 0
