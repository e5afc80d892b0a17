"""ratelimit: several rate-limiting algorithms behind one per-key interface."""

from .base import Limiter
from .buckets import LeakyBucket, TokenBucket
from .composite import CompositeLimiter
from .errors import SpecError
from .factory import create
from .windows import FixedWindow, SlidingWindowCounter, SlidingWindowLog

__all__ = [
    "CompositeLimiter",
    "FixedWindow",
    "LeakyBucket",
    "Limiter",
    "SlidingWindowCounter",
    "SlidingWindowLog",
    "SpecError",
    "TokenBucket",
    "create",
]
