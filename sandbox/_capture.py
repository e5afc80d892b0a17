"""Reading a child's output without ever blocking it, keeping a bounded head and tail."""

from __future__ import annotations

import threading
from typing import IO

_CHUNK = 65536


class CappedReader:
    """Drains a pipe on a thread; keeps the first and last `cap // 2` bytes."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        self._stream = stream
        self._head_cap = cap - cap // 2
        self._tail_cap = cap // 2
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while chunk := self._stream.read1(_CHUNK) if hasattr(self._stream, "read1") else b"":
            self.total += len(chunk)
            room = self._head_cap - len(self._head)
            if room > 0:
                self._head += chunk[:room]
                chunk = chunk[room:]
            if chunk and self._tail_cap:
                self._tail += chunk
                del self._tail[: max(0, len(self._tail) - self._tail_cap)]
        self._stream.close()

    def join(self, timeout: float | None = None) -> None:
        """Wait until the pipe is closed (all writers gone)."""
        self._thread.join(timeout)

    @property
    def truncated(self) -> bool:
        return self.total > len(self._head) + len(self._tail)

    def text(self) -> str:
        """The kept output, with a marker where bytes were dropped."""
        head = self._head.decode("utf-8", "replace")
        tail = self._tail.decode("utf-8", "replace")
        if not self.truncated:
            return head + tail
        omitted = self.total - len(self._head) - len(self._tail)
        return f"{head}\n[... {omitted} bytes omitted ...]\n{tail}"
