"""Errors of the chaos lab. Each message is one line that names the file or flag and the fix."""

from __future__ import annotations

from usererrors import InputError, PrerequisiteError, RegenlabError


class ChaosError(RegenlabError):
    """A chaos run that cannot go on (the web world, the browser or a run directory).

    The CLI prints it as one line and exits 2, like every RegenlabError.
    """


class ChaosConfigError(InputError):
    """A chaos.yaml, task file or flag that cannot be used; the message names the field and fix."""


class BrowserMissing(PrerequisiteError):
    """Chromium or Playwright is not installed; the message names the install command."""
