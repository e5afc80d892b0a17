"""Scripted conversations (voice/conversations/*.yaml): what the simulated user says, and when.

A `|` in an utterance marks a mid-sentence pause; `barge_in_after_s` makes an utterance start
while the bot is still answering the previous one.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voice._errors import VoiceError
from voice._voices import VoiceSpec

PAUSE_MARK = "|"
"""Marks a mid-sentence pause inside an utterance."""


class Utterance(BaseModel):
    """One thing the simulated user says."""

    model_config = ConfigDict(extra="forbid")

    say: str = Field(min_length=1)
    """The words; each `|` is a pause of `pause_s`."""
    pause_s: float = Field(default=1.0, gt=0)
    """Length of every mid-sentence pause, seconds."""
    barge_in_after_s: float | None = Field(default=None, ge=0)
    """Start this long after the bot began playing its previous reply (a barge-in); None: wait
    until the bot has finished and `gap_s` has passed."""
    speaker: str | None = None
    """Who says it: a key of the script's `voices` (None: the bundled piper voice)."""

    @property
    def text(self) -> str:
        """The words without pause marks, as a transcript should read."""
        return " ".join(self.say.replace(PAUSE_MARK, " ").split())

    @property
    def pauses(self) -> int:
        """How many mid-sentence pauses the utterance has."""
        return self.say.count(PAUSE_MARK)


class Script(BaseModel):
    """A scripted conversation, or a set of utterances for the turn-taking measurement."""

    model_config = ConfigDict(extra="forbid")

    name: str
    """Short name, used in reports."""
    description: str = ""
    """What the script exercises."""
    system_prompt: str = (
        "You are a friendly voice assistant. Reply in one or two short spoken sentences."
    )
    """The LLM's system message."""
    max_output_tokens: int = Field(default=48, gt=0)
    """Cap on each reply, so that the embedded model answers quickly."""
    lead_in_s: float = Field(default=0.5, ge=0)
    """Silence before the first utterance."""
    gap_s: float = Field(default=0.8, ge=0)
    """Silence between the bot's reply (or, without a bot, the previous utterance) and the next."""
    tail_s: float = Field(default=1.0, ge=0)
    """Silence after the last reply before the run ends."""
    reply_timeout_s: float = Field(default=30.0, gt=0)
    """Longest wait for the bot's reply before the next utterance starts anyway."""
    utterances: list[Utterance] = Field(min_length=1)
    """What the user says, in order."""
    voices: dict[str, VoiceSpec] = Field(default_factory=dict)
    """Speaker name -> voice, for scripts where several people talk to the bot."""

    @field_validator("utterances")
    @classmethod
    def _first_cannot_barge_in(cls, value: list[Utterance]) -> list[Utterance]:
        if value and value[0].barge_in_after_s is not None:
            raise ValueError("the first utterance has no bot reply to barge in on")
        return value

    @model_validator(mode="after")
    def _speakers_have_voices(self) -> Script:
        for utterance in self.utterances:
            if utterance.speaker is not None and utterance.speaker not in self.voices:
                raise ValueError(f"speaker {utterance.speaker!r} has no entry in `voices`")
            voice = self.voice_of(utterance)
            if utterance.pauses and voice is not None and voice.engine != "piper":
                raise ValueError(f"pauses ('|') need the piper voice, not {voice.engine}")
        return self

    def voice_of(self, utterance: Utterance) -> VoiceSpec | None:
        """The utterance's voice (None: the bundled piper voice as it is)."""
        return self.voices.get(utterance.speaker) if utterance.speaker else None


def load_script(path: Path) -> Script:
    """Read and validate a script; a bad one is a VoiceError naming the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VoiceError(f"{path}: cannot read the script ({exc})") from exc
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise VoiceError(f"{path}: field {where}: {first['msg']}") from exc
