"""The handle a caller gets back for each submitted job."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jobpool.errors import JobCancelledError

if TYPE_CHECKING:
    from jobpool.pool import JobPool

PENDING = "pending"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})


class JobHandle:
    """One submitted job: its state, and the way to wait for its outcome.

    Handles are created by :meth:`JobPool.submit`; all state changes happen under
    the owning pool's lock.
    """

    def __init__(
        self,
        pool: JobPool,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        priority: int,
        retries: int,
    ) -> None:
        self._pool = pool
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.priority = priority
        self.retries = retries
        self._status = PENDING
        self._attempts = 0
        self._value: Any = None
        self._error: Exception | None = None
        self._done = threading.Event()

    @property
    def status(self) -> str:
        """One of "pending", "running", "succeeded", "failed", "cancelled"."""
        return self._status

    @property
    def attempts(self) -> int:
        """How many times the job's function has been called so far."""
        return self._attempts

    def done(self) -> bool:
        """Whether the job has succeeded, failed or been cancelled."""
        return self._status in FINISHED

    def cancel(self) -> bool:
        """Cancel the job if it has not started; True if it is cancelled afterwards."""
        return self._pool._cancel(self)

    def _wait(self, timeout: float | None) -> None:
        if not self._done.wait(timeout):
            raise TimeoutError(f"job not finished after {timeout} s")
        if self._status == CANCELLED:
            raise JobCancelledError("the job was cancelled")

    def result(self, timeout: float | None = None) -> Any:
        """Wait for the job and return its value, or raise the exception of its last attempt."""
        self._wait(timeout)
        if self._error is not None:
            raise self._error
        return self._value

    def exception(self, timeout: float | None = None) -> Exception | None:
        """Wait for the job and return the exception of its last attempt (None on success)."""
        self._wait(timeout)
        return self._error

    def _finish(self, status: str, value: Any = None, error: Exception | None = None) -> None:
        """Record the outcome (the caller holds the pool's lock) and wake the waiters."""
        self._status = status
        self._value = value
        self._error = error
        self._done.set()

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", repr(self.fn))
        return f"<JobHandle {name} priority={self.priority} status={self._status}>"
