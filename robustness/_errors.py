"""Errors of the robustness lab. Each message is one line naming the file, the field and the fix."""

from __future__ import annotations

from usererrors import InputError, PrerequisiteError, RegenlabError


class RobustnessError(RegenlabError):
    """Root of the errors raised by the robustness lab."""


class SuiteError(RobustnessError, InputError):
    """A suite file (robustness.yaml or promptfooconfig.yaml) or a flag that cannot be used."""


class ToolMissing(RobustnessError, PrerequisiteError):
    """promptfoo (or the Node it runs on) is not installed where the lab looks for it."""
