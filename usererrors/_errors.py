"""The errors regenlab raises on purpose: one root, each message one line with its fix."""

from __future__ import annotations

from typing import ClassVar


class RegenlabError(Exception):
    """Root of every error regenlab raises for its user to read.

    The message is one line that names what is wrong (a file, a field, a flag, a key) and the
    fix. The command line prints it without a traceback and exits with `exit_code`.
    """

    exit_code: ClassVar[int] = 2
    """The CLI's exit status for this error (2: the input or the setup needs fixing)."""
    label: ClassVar[str] = "error"
    """The word the CLI prints before the message."""


class PrerequisiteError(RegenlabError):
    """A missing API key, package, tool or setting; the message names the env var or command."""


class InputError(RegenlabError):
    """A file or flag that cannot be used as given; the message names the file, field and fix."""
