"""A thread-based worker pool with a bounded priority queue, retries and cancellation."""

from jobpool.errors import JobCancelledError, JobPoolError, QueueFullError
from jobpool.handle import JobHandle
from jobpool.pool import JobPool

__all__ = ["JobCancelledError", "JobHandle", "JobPool", "JobPoolError", "QueueFullError"]
