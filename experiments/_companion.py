"""What the companions' command modules (infra, voice, training) share with the main CLI."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(command: F) -> F:
    """experiments.cli's one-line errors and exit code 2, looked up when the command runs.

    The companions' modules are imported by experiments.cli to register their sub-apps, so they
    cannot import it at their own import time.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from experiments.cli import user_errors as one_line

        return one_line(command)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
