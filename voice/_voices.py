"""How a synthetic speaker sounds: a voice of piper or espeak-ng, optionally shifted by sox.

Kept apart (pydantic only) so that the scripted conversations of the live loop can name voices
without importing the synthesis code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class VoiceSpec(BaseModel):
    """How one speaker sounds."""

    model_config = ConfigDict(extra="forbid")

    engine: Literal["piper", "espeak-ng"] = "piper"
    """piper (the bundled en_US-joe-medium voice) or espeak-ng (Debian package)."""
    voice: str = "en-us"
    """espeak-ng voice and variant, e.g. en-us+f3 (ignored by piper)."""
    espeak_pitch: int = Field(default=50, ge=0, le=99)
    """espeak-ng base pitch (-p)."""
    espeak_speed: int = Field(default=165, ge=80, le=400)
    """espeak-ng words per minute (-s)."""
    pitch_semitones: float = Field(default=0.0, ge=-12, le=12)
    """sox pitch shift after synthesis (0: none)."""
    tempo: float = Field(default=1.0, ge=0.5, le=2.0)
    """sox tempo change after synthesis (1: none)."""

    def describe(self) -> str:
        """A short description for reports."""
        base = "piper en_US-joe-medium" if self.engine == "piper" else f"espeak-ng {self.voice}"
        shifts = [f"{self.pitch_semitones:+g} st"] if self.pitch_semitones else []
        shifts += [f"tempo {self.tempo:g}"] if self.tempo != 1.0 else []
        return base + (f" ({', '.join(shifts)})" if shifts else "")
