"""A process-wide "stop now", for Ctrl-C: agents and local generations end within moments.

Work that outlives the interrupted main thread (a trial's agent on a worker thread, a llama.cpp
generation) checks this flag, so the process can exit once what was finished is recorded,
instead of waiting minutes for abandoned work.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_INTERRUPTED = threading.Event()


def interrupt() -> None:
    """Ask every agent loop and local generation of this process to stop at once."""
    _INTERRUPTED.set()


def interrupted() -> bool:
    """Whether `interrupt` was called since the last `reset_interrupt`."""
    return _INTERRUPTED.is_set()


def reset_interrupt() -> None:
    """Forget an earlier interrupt (a new run starts in this process)."""
    _INTERRUPTED.clear()


@contextmanager
def interrupt_on_sigint() -> Iterator[None]:
    """Within the block, Ctrl-C (SIGINT) first calls `interrupt`, then raises KeyboardInterrupt
    as usual; outside the main thread, a no-op (only it receives signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reset_interrupt()
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: FrameType | None) -> None:
        interrupt()
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
