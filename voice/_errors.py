"""Errors of the voice pipeline. Each message is one line that says what to do."""

from __future__ import annotations

from usererrors import RegenlabError


class VoiceError(RegenlabError):
    """A missing model package or device, a bad script, or a run that could not finish.

    The CLI prints it as one line and exits 2, like every RegenlabError.
    """
