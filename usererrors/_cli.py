"""The one place that turns errors into what the command line prints and its exit status."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from usererrors._errors import RegenlabError

F = TypeVar("F", bound=Callable[..., Any])
FAILED_EXIT = 1
"""Exit status of a command that ran but did not succeed (a failed trial, a rejected post)."""


def exit_code(exc: BaseException) -> int:
    """The exit status for an error that ends a command."""
    return exc.exit_code if isinstance(exc, RegenlabError) else FAILED_EXIT


def one_line(exc: RegenlabError) -> str:
    """The error as the CLI prints it: its label and its message, on one line."""
    message = " ".join(str(exc).split())
    return f"{exc.label}: {message}"


def cli_errors(command: F) -> F:
    """Run a typer command; a RegenlabError becomes one line on stderr and its exit code.

    Anything else is a bug, and keeps its traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RegenlabError as exc:
            import typer
            from rich.console import Console
            from rich.markup import escape

            # soft_wrap: the line stays one line however narrow the terminal.
            console = Console(stderr=True, highlight=False, soft_wrap=True)
            label, _, message = one_line(exc).partition(": ")
            console.print(f"[red]{escape(label)}:[/red] {escape(message)}")
            raise typer.Exit(exit_code(exc)) from None

    return wrapper  # type: ignore[return-value]
