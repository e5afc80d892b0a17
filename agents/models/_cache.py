"""A response cache for model calls, in one SQLite file shared by threads and processes.

A reply is stored under a SHA-256 of everything that determines it: provider, model name, base
URL, the messages, the generation config, the tool specs and a `trial` index. The trial index is
set by the caller, so that repeated trials of one experiment get fresh answers instead of one
cached answer each. Only successful replies are stored.

The file is in WAL mode; each process opens its own connection, used under a lock by its threads,
and waits up to 30 s for another writer.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agents._errors import AgentsError
from agents.models._types import GenerateConfig, Message, RawReply, ToolSpec

KEY_VERSION = 1
"""Bumped when the key's contents change, so that old entries stop matching."""
TIMEOUT_S = 30.0
"""How long to wait for another connection's write lock."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    reply TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_model ON responses (model);
"""

# Hits and misses of this process, per resolved cache file: several ResponseCache objects on one
# file (one per model, say) add up to one count.
_counters: dict[str, list[int]] = {}
_counters_lock = threading.Lock()


class CacheError(AgentsError):
    """The response cache file cannot be read or written."""


class CacheStats(BaseModel):
    """What a response cache holds, and how often this process found an answer in it."""

    path: str
    """The SQLite file."""
    entries: int = 0
    """Stored replies."""
    size_bytes: int = 0
    """Size on disk, write-ahead log included."""
    hits: int = 0
    """Calls answered from the cache by this process."""
    misses: int = 0
    """Calls this process looked up and did not find."""
    models: dict[str, int] = Field(default_factory=dict)
    """Stored replies per model id (`provider/model`)."""


def default_cache_path() -> Path:
    """`$REGENLAB_CACHE_DIR/responses.sqlite`, else `$XDG_CACHE_HOME/regenlab/responses.sqlite`,
    else `~/.cache/regenlab/responses.sqlite`."""
    from agents.models._weights import cache_dir

    return cache_dir() / "responses.sqlite"


def cache_key(
    *,
    provider: str,
    model: str,
    base_url: str | None,
    messages: list[Message],
    tools: list[ToolSpec],
    config: GenerateConfig,
    trial: int = 0,
) -> str:
    """The SHA-256 (hex) of a canonical JSON of everything that determines a reply."""
    data: dict[str, Any] = {
        "version": KEY_VERSION,
        "provider": provider,
        "model": model,
        "base_url": base_url,
        "messages": [
            m.model_dump(mode="json", include={"role", "content", "tool_calls", "tool_call_id"})
            for m in messages
        ],
        "config": config.model_dump(mode="json"),
        "tools": [t.model_dump(mode="json") for t in tools],
        "trial": trial,
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """Model replies stored in one SQLite file, keyed by `cache_key`."""

    def __init__(self, path: Path | str | None = None) -> None:
        self._setup(Path(path) if path is not None else default_cache_path())

    def _setup(self, path: Path) -> None:
        self.path = path
        """The SQLite file (created with its folder on first use)."""
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def __repr__(self) -> str:
        return f"<ResponseCache {self.path}>"

    # A cache travels to worker processes as its path; each process opens its own connection.
    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._setup(state["path"])

    def get(self, key: str) -> RawReply | None:
        """The stored reply, or None; counts a hit or a miss."""
        rows, _ = self._run("SELECT reply FROM responses WHERE key = ?", (key,))
        reply: RawReply | None = None
        if rows:
            try:
                reply = RawReply.model_validate_json(rows[0][0])
            except ValidationError:
                reply = None  # written by an incompatible version: a miss, replaced on put
        self._count(hit=reply is not None)
        return reply

    def put(self, key: str, reply: RawReply, *, model: str = "") -> None:
        """Store a reply of `model` (its `provider/model` id) under `key`, replacing any other."""
        self._run(
            "INSERT OR REPLACE INTO responses (key, model, reply, created) VALUES (?, ?, ?, ?)",
            (key, model, reply.model_dump_json(), time.time()),
        )

    def stats(self) -> CacheStats:
        """Entries, size, per-model counts, and this process's hits and misses."""
        with _counters_lock:
            hits, misses = _counters.get(self._counter_key(), [0, 0])
        stats = CacheStats(path=str(self.path), hits=hits, misses=misses)
        if not self.path.exists():
            return stats
        rows, _ = self._run("SELECT model, COUNT(*) FROM responses GROUP BY model ORDER BY model")
        stats.models = {str(model): int(count) for model, count in rows}
        stats.entries = sum(stats.models.values())
        stats.size_bytes = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return stats

    def clear(self, model: str | None = None) -> int:
        """Delete every entry, or those of one model id (`provider/model`); return how many."""
        if not self.path.exists():
            return 0
        if model is None:
            _, deleted = self._run("DELETE FROM responses")
        else:
            _, deleted = self._run("DELETE FROM responses WHERE model = ?", (model,))
        try:  # give the space back; skipped while another connection reads
            self._run("VACUUM")
            self._run("PRAGMA wal_checkpoint(TRUNCATE)")
        except CacheError:
            pass
        return deleted

    def close(self) -> None:
        """Close this process's connection; the next call opens a new one."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[list[Any], int]:
        """Run one statement in its own transaction; return its rows and its row count."""
        with self._lock:
            try:
                conn = self._connection()
                with conn:
                    cursor = conn.execute(sql, params)
                    return cursor.fetchall(), cursor.rowcount
            except sqlite3.Error as exc:
                raise CacheError(f"response cache {self.path}: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        # A connection inherited through fork() is never used: SQLite forbids it.
        if self._conn is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=TIMEOUT_S, check_same_thread=False)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
            except BaseException:
                conn.close()
                raise
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _counter_key(self) -> str:
        return str(self.path.resolve())

    def _count(self, *, hit: bool) -> None:
        with _counters_lock:
            counts = _counters.setdefault(self._counter_key(), [0, 0])
            counts[0 if hit else 1] += 1
