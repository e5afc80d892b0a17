"""A fixed set of worker threads fed from a bounded priority queue."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from jobpool.errors import QueueFullError
from jobpool.handle import CANCELLED, FAILED, PENDING, RUNNING, SUCCEEDED, JobHandle


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class JobPool:
    """Run submitted callables on `workers` threads, lowest priority number first."""

    def __init__(self, workers: int = 4, max_queue: int = 0) -> None:
        if not _is_int(workers) or workers <= 0:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        if not _is_int(max_queue) or max_queue < 0:
            raise ValueError(f"max_queue must be a non-negative int, got {max_queue!r}")
        self.max_queue = max_queue
        self._cond = threading.Condition()
        self._heap: list[tuple[int, int, JobHandle]] = []
        self._sequence = itertools.count()
        self._pending = 0
        self._shutdown = False
        self._threads = [
            threading.Thread(target=self._work, name=f"jobpool-worker-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        priority: int = 0,
        retries: int = 0,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> JobHandle:
        """Queue fn(*args, **kwargs); wait up to `timeout` seconds for queue space."""
        if not callable(fn):
            raise TypeError("fn must be callable")
        if not _is_int(priority):
            raise TypeError(f"priority must be an int, got {priority!r}")
        if not _is_int(retries) or retries < 0:
            raise ValueError(f"retries must be a non-negative int, got {retries!r}")
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be None or >= 0, got {timeout!r}")
        with self._cond:
            has_room = self._cond.wait_for(
                lambda: self._shutdown or not self.max_queue or self._pending < self.max_queue,
                timeout,
            )
            if self._shutdown:
                raise RuntimeError("cannot submit to a pool that has been shut down")
            if not has_room:
                raise QueueFullError(f"queue still full ({self.max_queue} pending jobs)")
            job = JobHandle(self, fn, args, kwargs, priority, retries)
            heapq.heappush(self._heap, (priority, next(self._sequence), job))
            self._pending += 1
            self._cond.notify_all()
        return job

    def _cancel(self, job: JobHandle) -> bool:
        with self._cond:
            if job.status == PENDING:
                job._finish(CANCELLED)
                self._pending -= 1
                self._cond.notify_all()
            return job.status == CANCELLED

    def _next_job(self) -> JobHandle | None:
        """Claim the next pending job, or None once the pool is shut down and drained."""
        with self._cond:
            while True:
                while self._heap:
                    _, _, job = heapq.heappop(self._heap)
                    if job.status == PENDING:
                        job._status = RUNNING
                        self._pending -= 1
                        self._cond.notify_all()
                        return job
                if self._shutdown:
                    return None
                self._cond.wait()

    def _work(self) -> None:
        while (job := self._next_job()) is not None:
            self._run(job)

    def _run(self, job: JobHandle) -> None:
        error: Exception | None = None
        for _ in range(job.retries + 1):
            with self._cond:
                job._attempts += 1
            try:
                value = job.fn(*job.args, **job.kwargs)
            except Exception as exc:
                error = exc
                continue
            with self._cond:
                job._finish(SUCCEEDED, value=value)
            return
        with self._cond:
            job._finish(FAILED, error=error)

    def shutdown(self, wait: bool = True, cancel_pending: bool = False) -> None:
        """Stop accepting jobs; optionally cancel pending ones and wait for the workers."""
        with self._cond:
            self._shutdown = True
            if cancel_pending:
                for _, _, job in self._heap:
                    if job.status == PENDING:
                        job._finish(CANCELLED)
                self._heap.clear()
                self._pending = 0
            self._cond.notify_all()
        if wait:
            current = threading.current_thread()
            for thread in self._threads:
                if thread is not current:
                    thread.join()

    def __enter__(self) -> JobPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown(wait=True)
