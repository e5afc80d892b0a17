import threading
import time

import pytest
from jobpool import (
    JobCancelledError,
    JobHandle,
    JobPool,
    JobPoolError,
    QueueFullError,
)

WAIT = 3.0  # generous upper bound for anything that should happen quickly


@pytest.fixture
def cleanup():
    """Collects pools and events; releases every event and stops every pool at teardown."""
    pools: list = []
    events: list = []

    def track(obj):
        (pools if isinstance(obj, JobPool) else events).append(obj)
        return obj

    yield track
    for event in events:
        event.set()
    for pool in pools:
        try:
            pool.shutdown(wait=False, cancel_pending=True)
        except Exception:
            pass


def make_pool(cleanup, workers=1, max_queue=0):
    return cleanup(JobPool(workers=workers, max_queue=max_queue))


def start_blocker(pool, cleanup, priority=0):
    """Submit a job that occupies a worker until the returned release event is set."""
    started = threading.Event()
    release = cleanup(threading.Event())

    def blocker():
        started.set()
        release.wait(WAIT)
        return "blocker"

    handle = pool.submit(blocker, priority=priority)
    assert started.wait(WAIT), "blocker job never started"
    return handle, release


def wait_until(predicate, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return predicate()


# ---------------------------------------------------------------- construction


def test_exception_hierarchy():
    assert issubclass(JobPoolError, Exception)
    assert issubclass(QueueFullError, JobPoolError)
    assert issubclass(JobCancelledError, JobPoolError)


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2", None, True])
def test_invalid_workers(workers):
    with pytest.raises(ValueError):
        JobPool(workers=workers)


@pytest.mark.parametrize("max_queue", [-1, 2.0, "3", None])
def test_invalid_max_queue(max_queue):
    with pytest.raises(ValueError):
        JobPool(workers=1, max_queue=max_queue)


# ---------------------------------------------------------------- basic running


def test_submit_returns_handle_and_result(cleanup):
    pool = make_pool(cleanup, workers=2)
    handle = pool.submit(pow, 2, 10)
    assert isinstance(handle, JobHandle)
    assert handle.result(timeout=WAIT) == 1024
    assert handle.status == "succeeded"
    assert handle.done() is True
    assert handle.attempts == 1
    assert handle.exception(timeout=WAIT) is None


def test_kwargs_forwarded_but_reserved_names_consumed(cleanup):
    pool = make_pool(cleanup)
    seen = {}

    def fn(*args, **kwargs):
        seen["args"] = args
        seen["kwargs"] = kwargs
        return "ok"

    handle = pool.submit(fn, 1, 2, priority=3, retries=1, timeout=1, colour="red", size=4)
    assert handle.result(timeout=WAIT) == "ok"
    assert seen == {"args": (1, 2), "kwargs": {"colour": "red", "size": 4}}


def test_status_moves_pending_running_succeeded(cleanup):
    pool = make_pool(cleanup, workers=1)
    blocker, release = start_blocker(pool, cleanup)
    queued = pool.submit(lambda: 7)
    assert blocker.status == "running"
    assert queued.status == "pending"
    assert blocker.done() is False
    assert queued.done() is False
    release.set()
    assert queued.result(timeout=WAIT) == 7
    assert blocker.result(timeout=WAIT) == "blocker"
    assert blocker.status == "succeeded"
    assert queued.status == "succeeded"


def test_failed_job_raises_the_same_exception(cleanup):
    pool = make_pool(cleanup)
    error = KeyError("missing")

    def boom():
        raise error

    handle = pool.submit(boom)
    with pytest.raises(KeyError) as info:
        handle.result(timeout=WAIT)
    assert info.value is error
    assert handle.status == "failed"
    assert handle.done() is True
    assert handle.exception(timeout=WAIT) is error
    assert handle.attempts == 1


def test_worker_survives_a_failing_job(cleanup):
    pool = make_pool(cleanup, workers=1)
    bad = pool.submit(lambda: 1 / 0)
    good = pool.submit(lambda: "still alive")
    assert good.result(timeout=WAIT) == "still alive"
    assert isinstance(bad.exception(timeout=WAIT), ZeroDivisionError)


def test_workers_run_jobs_concurrently(cleanup):
    pool = make_pool(cleanup, workers=3)
    barrier = threading.Barrier(3, timeout=WAIT)
    handles = [pool.submit(barrier.wait) for _ in range(3)]
    results = sorted(h.result(timeout=WAIT) for h in handles)
    assert results == [0, 1, 2]


def test_result_timeout_raises_timeout_error(cleanup):
    pool = make_pool(cleanup, workers=1)
    blocker, release = start_blocker(pool, cleanup)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        blocker.result(timeout=0.05)
    assert time.monotonic() - start >= 0.04
    with pytest.raises(TimeoutError):
        blocker.exception(timeout=0.01)
    assert blocker.status == "running"
    release.set()
    assert blocker.result(timeout=WAIT) == "blocker"


# ---------------------------------------------------------------- retries


def test_retries_until_success(cleanup):
    pool = make_pool(cleanup)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ValueError(f"attempt {len(calls)}")
        return "finally"

    handle = pool.submit(flaky, retries=2)
    assert handle.result(timeout=WAIT) == "finally"
    assert handle.attempts == 3
    assert len(calls) == 3
    assert handle.status == "succeeded"


def test_retries_exhausted_raise_last_exception(cleanup):
    pool = make_pool(cleanup)
    calls = []

    def always_fails():
        calls.append(1)
        raise ValueError(f"attempt {len(calls)}")

    handle = pool.submit(always_fails, retries=3)
    with pytest.raises(ValueError, match="attempt 4"):
        handle.result(timeout=WAIT)
    assert handle.attempts == 4
    assert len(calls) == 4
    assert handle.status == "failed"
    assert str(handle.exception(timeout=WAIT)) == "attempt 4"


def test_no_retry_after_success(cleanup):
    pool = make_pool(cleanup)
    calls = []
    handle = pool.submit(lambda: calls.append(1) or "x", retries=5)
    assert handle.result(timeout=WAIT) == "x"
    assert handle.attempts == 1
    assert calls == [1]


def test_status_and_attempts_seen_from_inside_the_job(cleanup):
    pool = make_pool(cleanup)
    holder = {}
    ready = cleanup(threading.Event())
    seen = []

    def flaky():
        ready.wait(WAIT)
        h = holder["handle"]
        seen.append((h.status, h.attempts))
        if h.attempts < 3:
            raise RuntimeError("again")
        return "done"

    holder["handle"] = pool.submit(flaky, retries=2)
    ready.set()
    assert holder["handle"].result(timeout=WAIT) == "done"
    assert seen == [("running", 1), ("running", 2), ("running", 3)]


def test_retries_happen_before_other_queued_jobs(cleanup):
    pool = make_pool(cleanup, workers=1)
    _blocker, release = start_blocker(pool, cleanup)
    order = []

    def flaky():
        order.append("flaky")
        if order.count("flaky") < 3:
            raise ValueError("again")

    first = pool.submit(flaky, retries=2)
    second = pool.submit(lambda: order.append("other"))
    release.set()
    first.result(timeout=WAIT)
    second.result(timeout=WAIT)
    assert order == ["flaky", "flaky", "flaky", "other"]


# ---------------------------------------------------------------- validation


def test_submit_argument_validation(cleanup):
    pool = make_pool(cleanup)
    with pytest.raises(TypeError):
        pool.submit(42)
    with pytest.raises(TypeError):
        pool.submit(print, priority="high")
    with pytest.raises(TypeError):
        pool.submit(print, priority=1.5)
    with pytest.raises(ValueError):
        pool.submit(print, retries=-1)
    with pytest.raises(ValueError):
        pool.submit(print, retries=1.5)
    with pytest.raises(ValueError):
        pool.submit(print, timeout=-0.5)


def test_negative_priority_allowed(cleanup):
    pool = make_pool(cleanup)
    assert pool.submit(lambda: "neg", priority=-10).result(timeout=WAIT) == "neg"


# ---------------------------------------------------------------- ordering


def test_lower_priority_number_runs_first_fifo_within_priority(cleanup):
    pool = make_pool(cleanup, workers=1)
    _blocker, release = start_blocker(pool, cleanup)
    order = []
    specs = [("a", 5), ("b", 1), ("c", 3), ("d", 1), ("e", -2), ("f", 5), ("g", 3), ("h", 1)]
    handles = [pool.submit(order.append, name, priority=prio) for name, prio in specs]
    release.set()
    for h in handles:
        h.result(timeout=WAIT)
    assert order == ["e", "b", "d", "h", "c", "g", "a", "f"]


def test_fifo_with_default_priority(cleanup):
    pool = make_pool(cleanup, workers=1)
    _blocker, release = start_blocker(pool, cleanup)
    order = []
    handles = [pool.submit(order.append, i) for i in range(20)]
    release.set()
    for h in handles:
        h.result(timeout=WAIT)
    assert order == list(range(20))


# ---------------------------------------------------------------- cancellation


def test_cancel_pending_job(cleanup):
    pool = make_pool(cleanup, workers=1)
    _blocker, release = start_blocker(pool, cleanup)
    calls = []
    victim = pool.submit(calls.append, "victim")
    survivor = pool.submit(calls.append, "survivor")
    assert victim.cancel() is True
    assert victim.status == "cancelled"
    assert victim.done() is True
    assert victim.cancel() is True
    with pytest.raises(JobCancelledError):
        victim.result(timeout=WAIT)
    with pytest.raises(JobCancelledError):
        victim.exception(timeout=WAIT)
    release.set()
    survivor.result(timeout=WAIT)
    pool.shutdown(wait=True)
    assert calls == ["survivor"]
    assert victim.attempts == 0
    assert victim.status == "cancelled"


def test_cannot_cancel_running_or_finished_job(cleanup):
    pool = make_pool(cleanup, workers=1)
    blocker, release = start_blocker(pool, cleanup)
    assert blocker.cancel() is False
    assert blocker.status == "running"
    release.set()
    assert blocker.result(timeout=WAIT) == "blocker"
    assert blocker.cancel() is False
    assert blocker.status == "succeeded"
    failed = pool.submit(lambda: 1 / 0)
    assert isinstance(failed.exception(timeout=WAIT), ZeroDivisionError)
    assert failed.cancel() is False
    assert failed.status == "failed"


# ---------------------------------------------------------------- bounded queue


def test_queue_full_with_zero_timeout(cleanup):
    pool = make_pool(cleanup, workers=1, max_queue=2)
    _blocker, _release = start_blocker(pool, cleanup)
    pool.submit(lambda: 1)
    pool.submit(lambda: 2)
    with pytest.raises(QueueFullError):
        pool.submit(lambda: 3, timeout=0)


def test_queue_full_after_timeout(cleanup):
    pool = make_pool(cleanup, workers=1, max_queue=1)
    _blocker, _release = start_blocker(pool, cleanup)
    pool.submit(lambda: 1)
    start = time.monotonic()
    with pytest.raises(QueueFullError):
        pool.submit(lambda: 2, timeout=0.05)
    elapsed = time.monotonic() - start
    assert 0.04 <= elapsed < WAIT


def test_running_jobs_do_not_use_queue_slots(cleanup):
    pool = make_pool(cleanup, workers=2, max_queue=1)
    _b1, r1 = start_blocker(pool, cleanup)
    _b2, r2 = start_blocker(pool, cleanup)
    queued = pool.submit(lambda: "q", timeout=0)
    assert queued.status == "pending"
    with pytest.raises(QueueFullError):
        pool.submit(lambda: "r", timeout=0)
    r1.set()
    r2.set()
    assert queued.result(timeout=WAIT) == "q"


def test_cancel_frees_a_queue_slot(cleanup):
    pool = make_pool(cleanup, workers=1, max_queue=1)
    _blocker, release = start_blocker(pool, cleanup)
    first = pool.submit(lambda: 1)
    with pytest.raises(QueueFullError):
        pool.submit(lambda: 2, timeout=0)
    assert first.cancel() is True
    second = pool.submit(lambda: 2, timeout=0)
    release.set()
    assert second.result(timeout=WAIT) == 2


def test_unbounded_queue_accepts_many_jobs(cleanup):
    pool = make_pool(cleanup, workers=1, max_queue=0)
    _blocker, release = start_blocker(pool, cleanup)
    handles = [pool.submit(lambda i=i: i * i, timeout=0) for i in range(200)]
    release.set()
    assert [h.result(timeout=WAIT) for h in handles] == [i * i for i in range(200)]


def test_blocking_submit_waits_for_a_free_slot(cleanup):
    pool = make_pool(cleanup, workers=1, max_queue=1)
    _blocker, release = start_blocker(pool, cleanup)
    pool.submit(lambda: "queued")
    outcome = {}

    def submitter():
        try:
            outcome["handle"] = pool.submit(lambda: "late")
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=submitter, daemon=True)
    thread.start()
    thread.join(0.05)
    assert thread.is_alive(), "submit should block while the queue is full"
    assert outcome == {}
    release.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert "error" not in outcome
    assert outcome["handle"].result(timeout=WAIT) == "late"


def test_waiting_submit_raises_runtime_error_on_shutdown(cleanup):
    pool = make_pool(cleanup, workers=1, max_queue=1)
    _blocker, release = start_blocker(pool, cleanup)
    pool.submit(lambda: "queued")
    outcome = {}

    def submitter():
        try:
            outcome["handle"] = pool.submit(lambda: "late", timeout=WAIT)
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=submitter, daemon=True)
    thread.start()
    thread.join(0.05)
    assert thread.is_alive()
    pool.shutdown(wait=False)
    thread.join(WAIT)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), RuntimeError)
    release.set()


# ---------------------------------------------------------------- shutdown


def test_submit_after_shutdown_raises(cleanup):
    pool = make_pool(cleanup)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(print)
    pool.shutdown()  # a second call is harmless


def test_shutdown_wait_runs_pending_jobs(cleanup):
    pool = make_pool(cleanup, workers=1)
    blocker, release = start_blocker(pool, cleanup)
    results = []
    handles = [pool.submit(results.append, i) for i in range(5)]
    threading.Timer(0.02, release.set).start()
    pool.shutdown(wait=True)
    assert results == [0, 1, 2, 3, 4]
    assert all(h.status == "succeeded" for h in handles)
    assert blocker.status == "succeeded"


def test_shutdown_cancel_pending(cleanup):
    pool = make_pool(cleanup, workers=1)
    blocker, release = start_blocker(pool, cleanup)
    calls = []
    handles = [pool.submit(calls.append, i) for i in range(3)]
    threading.Timer(0.02, release.set).start()
    pool.shutdown(wait=True, cancel_pending=True)
    assert calls == []
    assert [h.status for h in handles] == ["cancelled"] * 3
    assert blocker.status == "succeeded"
    with pytest.raises(JobCancelledError):
        handles[0].result(timeout=WAIT)


def test_shutdown_without_wait_returns_immediately(cleanup):
    pool = make_pool(cleanup, workers=1)
    blocker, release = start_blocker(pool, cleanup)
    queued = pool.submit(lambda: "after")
    start = time.monotonic()
    pool.shutdown(wait=False)
    assert time.monotonic() - start < 0.5
    assert blocker.status == "running"
    with pytest.raises(RuntimeError):
        pool.submit(print)
    release.set()
    assert queued.result(timeout=WAIT) == "after"


def test_shutdown_wait_joins_worker_threads(cleanup):
    before = set(threading.enumerate())
    pool = make_pool(cleanup, workers=3)
    assert wait_until(lambda: len(set(threading.enumerate()) - before) >= 3)
    workers = set(threading.enumerate()) - before
    pool.submit(lambda: None).result(timeout=WAIT)
    pool.shutdown(wait=True)
    assert not any(t.is_alive() for t in workers)


def test_worker_threads_are_daemons(cleanup):
    before = set(threading.enumerate())
    make_pool(cleanup, workers=2)
    assert wait_until(lambda: len(set(threading.enumerate()) - before) >= 2)
    new = set(threading.enumerate()) - before
    assert new
    assert all(t.daemon for t in new)


def test_context_manager(cleanup):
    results = []
    with JobPool(workers=2) as pool:
        cleanup(pool)
        assert isinstance(pool, JobPool)
        handles = [pool.submit(results.append, i, priority=i) for i in range(10)]
    assert all(h.status == "succeeded" for h in handles)
    assert sorted(results) == list(range(10))
    with pytest.raises(RuntimeError):
        pool.submit(print)


def test_context_manager_propagates_exceptions(cleanup):
    with pytest.raises(KeyError):
        with JobPool(workers=1) as pool:
            cleanup(pool)
            handle = pool.submit(lambda: "fine")
            raise KeyError("boom")
    assert handle.result(timeout=WAIT) == "fine"
    with pytest.raises(RuntimeError):
        pool.submit(print)
