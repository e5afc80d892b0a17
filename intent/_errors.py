"""Errors of the intent lab. Each message is one line that names the file, the field and the fix."""

from __future__ import annotations

from usererrors import InputError, RegenlabError


class IntentError(RegenlabError):
    """A run of the intent lab that cannot go on (the CLI prints one line and exits 2)."""


class LogError(InputError):
    """A prompt log that cannot be read as given: wrong columns, empty, not UTF-8, not JSON."""


class IntentConfigError(InputError):
    """An intent lab config file (or flag) that cannot be used; the message names the fix."""
