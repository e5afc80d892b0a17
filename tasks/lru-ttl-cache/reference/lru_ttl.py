"""A least-recently-used cache whose entries expire after a time-to-live."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()


def _check_ttl(ttl_seconds: float | None) -> float | None:
    if ttl_seconds is None:
        return None
    if (
        isinstance(ttl_seconds, bool)
        or not isinstance(ttl_seconds, int | float)
        or ttl_seconds <= 0
    ):
        raise ValueError(f"ttl_seconds must be a positive number or None, got {ttl_seconds!r}")
    return float(ttl_seconds)


class LRUCache:
    """LRU cache with a default and a per-entry time-to-live."""

    def __init__(
        self,
        capacity: int,
        ttl_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity <= 0:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        self.capacity = capacity
        self.ttl_seconds = _check_ttl(ttl_seconds)
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[Any, float | None]] = OrderedDict()
        self._stats = {"hits": 0, "misses": 0, "evictions": 0, "expirations": 0}

    def _live(self, key: Hashable) -> bool:
        entry = self._entries.get(key, _MISSING)
        if entry is _MISSING:
            return False
        expires_at = entry[1]  # type: ignore[index]
        if expires_at is not None and self._clock() >= expires_at:
            del self._entries[key]
            self._stats["expirations"] += 1
            return False
        return True

    def _purge_expired(self) -> None:
        for key in list(self._entries):
            self._live(key)

    def get(self, key: Hashable, default: Any = None) -> Any:
        if not self._live(key):
            self._stats["misses"] += 1
            return default
        self._entries.move_to_end(key)
        self._stats["hits"] += 1
        return self._entries[key][0]

    def put(self, key: Hashable, value: Any, ttl_seconds: float | None = None) -> None:
        ttl = _check_ttl(ttl_seconds)
        if ttl is None:
            ttl = self.ttl_seconds
        expires_at = None if ttl is None else self._clock() + ttl
        if not self._live(key) and len(self._entries) >= self.capacity:
            self._purge_expired()
            if len(self._entries) >= self.capacity:
                self._entries.popitem(last=False)
                self._stats["evictions"] += 1
        self._entries[key] = (value, expires_at)
        self._entries.move_to_end(key)

    def delete(self, key: Hashable) -> bool:
        if not self._live(key):
            return False
        del self._entries[key]
        return True

    def __len__(self) -> int:
        self._purge_expired()
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return self._live(key)

    def keys(self) -> list[Hashable]:
        self._purge_expired()
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    @property
    def stats(self) -> dict[str, int]:
        return dict(self._stats)
