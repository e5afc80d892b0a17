"""Errors of the cloud companion: one line that names what is wrong and the fix."""

from __future__ import annotations

from usererrors import RegenlabError


class InfraError(RegenlabError):
    """A cloud command cannot go on: bad input, a missing tool, missing credentials."""
