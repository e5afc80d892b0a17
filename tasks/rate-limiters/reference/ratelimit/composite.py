"""A limiter that admits a request only if every member limiter admits it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from contextlib import ExitStack

from .base import KeyedLimiter, Limiter, positive_int


class CompositeLimiter(Limiter):
    """All-or-nothing combination of limiters (composites may be nested).

    `allow` holds the lock of every basic limiter involved while it checks them all,
    then consumes from all of them or from none. Locks are taken in one global order
    (by object id), so composites that share members cannot deadlock.
    """

    def __init__(self, limiters: Iterable[Limiter]) -> None:
        self.limiters: list[Limiter] = list(limiters)
        if not self.limiters:
            raise ValueError("a CompositeLimiter needs at least one limiter")
        for member in self.limiters:
            if not isinstance(member, Limiter):
                raise TypeError(f"not a Limiter: {member!r}")
        self._members = [leaf for member in self.limiters for leaf in member._leaves()]
        unique = {id(leaf): leaf for leaf in self._members}
        self._lock_order = [unique[ident] for ident in sorted(unique)]

    def _leaves(self) -> list[KeyedLimiter]:
        return list(self._members)

    def allow(self, key: Hashable, cost: int = 1) -> bool:
        """Consume from every member if all admit the request; otherwise from none."""
        positive_int(cost, "cost")
        with ExitStack() as stack:
            for leaf in self._lock_order:
                stack.enter_context(leaf._lock)
            checks = [(leaf, leaf.clock()) for leaf in self._members]
            if not all(leaf._fits(key, cost, now) for leaf, now in checks):
                return False
            for leaf, now in checks:
                leaf._consume(key, cost, now)
            return True

    def retry_after(self, key: Hashable, cost: int = 1) -> float:
        """The longest wait among the members."""
        return max(member.retry_after(key, cost) for member in self.limiters)

    def reset(self, key: Hashable | None = None) -> None:
        """Reset `key` (or everything) in every member."""
        for member in self.limiters:
            member.reset(key)
