import pytest
from lru_ttl import LRUCache


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_put_then_get_returns_value(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    assert cache.get("a") == 1


def test_get_missing_returns_default(clock):
    cache = LRUCache(2, clock=clock)
    assert cache.get("nope") is None
    assert cache.get("nope", 42) == 42


@pytest.mark.parametrize("capacity", [0, -1, 1.5, "3", None])
def test_invalid_capacity_raises(capacity):
    with pytest.raises(ValueError):
        LRUCache(capacity)


@pytest.mark.parametrize("ttl", [0, -5, "10"])
def test_invalid_default_ttl_raises(ttl):
    with pytest.raises(ValueError):
        LRUCache(2, ttl_seconds=ttl)


def test_invalid_entry_ttl_raises(clock):
    cache = LRUCache(2, clock=clock)
    with pytest.raises(ValueError):
        cache.put("a", 1, ttl_seconds=0)


def test_evicts_least_recently_used(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert "a" not in cache
    assert cache.keys() == ["b", "c"]
    assert cache.stats["evictions"] == 1


def test_get_refreshes_recency(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.keys() == ["a", "c"]


def test_contains_does_not_refresh_recency(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache
    cache.put("c", 3)
    assert "a" not in cache


def test_replace_updates_value_and_recency_without_eviction(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    assert len(cache) == 2
    assert cache.keys() == ["b", "a"]
    assert cache.get("a") == 10
    assert cache.stats["evictions"] == 0


def test_default_ttl_expires_at_boundary(clock):
    cache = LRUCache(4, ttl_seconds=10, clock=clock)
    cache.put("a", 1)
    clock.advance(9.999)
    assert cache.get("a") == 1
    clock.advance(0.001)
    assert cache.get("a") is None


def test_per_entry_ttl_overrides_default(clock):
    cache = LRUCache(4, ttl_seconds=100, clock=clock)
    cache.put("short", 1, ttl_seconds=5)
    cache.put("long", 2)
    clock.advance(6)
    assert "short" not in cache
    assert cache.get("long") == 2


def test_no_default_ttl_never_expires(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    clock.advance(10**9)
    assert cache.get("a") == 1


def test_replace_resets_expiry(clock):
    cache = LRUCache(2, ttl_seconds=10, clock=clock)
    cache.put("a", 1)
    clock.advance(8)
    cache.put("a", 2)
    clock.advance(8)
    assert cache.get("a") == 2


def test_expired_entries_dropped_before_evicting_live_ones(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("old", 1)
    cache.put("brief", 2, ttl_seconds=1)
    clock.advance(2)
    cache.put("new", 3)
    assert cache.keys() == ["old", "new"]
    assert cache.stats["evictions"] == 0
    assert cache.stats["expirations"] == 1


def test_len_and_keys_ignore_expired(clock):
    cache = LRUCache(3, clock=clock)
    cache.put("a", 1, ttl_seconds=1)
    cache.put("b", 2)
    clock.advance(1)
    assert len(cache) == 1
    assert cache.keys() == ["b"]


def test_delete_live_expired_and_missing(clock):
    cache = LRUCache(3, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2, ttl_seconds=1)
    clock.advance(1)
    assert cache.delete("a") is True
    assert cache.delete("b") is False
    assert cache.delete("zzz") is False
    assert len(cache) == 0


def test_hits_and_misses_are_counted(clock):
    cache = LRUCache(2, ttl_seconds=5, clock=clock)
    cache.put("a", 1)
    cache.get("a")
    cache.get("b")
    clock.advance(5)
    cache.get("a")
    stats = cache.stats
    assert (stats["hits"], stats["misses"], stats["expirations"]) == (1, 2, 1)


def test_clear_keeps_stats(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("a", 1)
    cache.get("a")
    cache.clear()
    assert len(cache) == 0
    assert cache.get("a") is None
    assert cache.stats["hits"] == 1


def test_none_is_a_storable_value(clock):
    cache = LRUCache(2, clock=clock)
    cache.put("a", None)
    assert "a" in cache
    assert cache.get("a", "default") is None


def test_capacity_one(clock):
    cache = LRUCache(1, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.keys() == ["b"]
    assert cache.get("a") is None
