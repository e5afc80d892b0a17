"""Errors raised by the experiments package. Each message names the file, the field and the fix."""

from __future__ import annotations

from usererrors import InputError, RegenlabError


class ExperimentsError(RegenlabError):
    """Root of the errors raised by `experiments`."""


class TaskFormatError(ExperimentsError, InputError):
    """A task folder or task.yaml that does not follow the task format."""
