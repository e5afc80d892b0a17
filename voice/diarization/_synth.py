"""Multi-speaker test conversations, synthesized offline, with an exact reference.

A conversation file (voice/conversations/diarization/*.yaml) names 2-4 speakers, each a voice:
the bundled piper voice, an espeak-ng voice (Debian's espeak-ng), or either of them shifted in
pitch and tempo by sox. Each turn is synthesized alone, levelled, and placed on one 16 kHz track:
`gap_s` after the end of everything said so far, or before it when negative (an overlap, a
backchannel). The reference RTTM comes from each turn's own clean audio: every stretch louder
than the silence threshold, with pauses under REFERENCE_BRIDGE_S bridged (the granularity of
human annotation). Synthetic voices are far easier to tell apart than real speech.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from voice._audio import (
    USER_RATE,
    Samples,
    read_wav,
    require_tool,
    run_tool,
    speak,
)
from voice._config import VoiceConfigError, load_yaml
from voice._errors import VoiceError
from voice._voices import VoiceSpec
from voice.diarization._rttm import read_rttm, write_rttm
from voice.diarization._types import SpeakerTurn

SYNTH_VERSION = 1
"""Bumped when synthesis changes, so cached conversations are made again."""
REFERENCE_BRIDGE_S = 0.25
"""Pauses shorter than this inside a turn stay inside one reference turn."""
TARGET_DBFS = -23.0
"""Every turn is levelled to this RMS before mixing (then shifted by its own gain_db)."""
_WINDOW_S = 0.01
_SILENCE = 0.01  # of full scale: 10 ms windows below this peak are silence


class TurnSpec(BaseModel):
    """One thing one speaker says."""

    model_config = ConfigDict(extra="forbid")

    speaker: str
    """A key of `speakers`."""
    say: str = Field(min_length=1)
    """The words."""
    gap_s: float = Field(default=0.3, ge=-5, le=10)
    """Start this long after the end of everything said so far; negative: overlap that much."""
    gain_db: float = Field(default=0.0, ge=-20, le=10)
    """Level relative to the other turns (backchannels are often quieter)."""


class ConversationSpec(BaseModel):
    """A synthetic multi-speaker conversation."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    """Short name: the recording's id in RTTM files and reports."""
    description: str = ""
    """What the conversation exercises."""
    speakers: dict[str, VoiceSpec] = Field(min_length=1)
    """Speaker name -> voice."""
    turns: list[TurnSpec] = Field(min_length=1)
    """What is said, in order."""
    lead_in_s: float = Field(default=0.5, ge=0)
    """Silence before the first turn."""
    tail_s: float = Field(default=0.5, ge=0)
    """Silence after the last turn."""
    noise_dbfs: float | None = Field(default=-55.0, le=-20)
    """Level of seeded white noise under the mix (None: digital silence between turns)."""
    seed: int = 0
    """Seed of the noise."""

    @model_validator(mode="after")
    def _known_speakers(self) -> ConversationSpec:
        unknown = sorted({t.speaker for t in self.turns} - set(self.speakers))
        if unknown:
            raise ValueError(f"turns name speakers {unknown} that `speakers` does not define")
        return self


@dataclass(frozen=True)
class Conversation:
    """A synthesized conversation: its audio, its exact reference, where it lies."""

    name: str
    samples: Samples
    """16-bit PCM at USER_RATE."""
    reference: list[SpeakerTurn]
    wav: Path
    rttm: Path
    voices: dict[str, str]
    """Speaker -> voice description."""

    @property
    def duration_s(self) -> float:
        """Length of the audio."""
        return len(self.samples) / USER_RATE


def load_conversation(path: Path) -> ConversationSpec:
    """Read a conversation file; a bad one is one VoiceConfigError line."""
    return load_yaml(path, ConversationSpec)


def synthesize_conversation(spec: ConversationSpec, cache_dir: Path) -> Conversation:
    """The conversation's audio and reference, made once and cached by content."""
    key = _cache_key(spec)
    wav, rttm = cache_dir / f"{spec.name}-{key}.wav", cache_dir / f"{spec.name}-{key}.rttm"
    voices = {name: voice.describe() for name, voice in spec.speakers.items()}
    if wav.exists() and rttm.exists():
        samples, _ = read_wav(wav)
        reference = read_rttm(rttm).get(spec.name, [])
        return Conversation(spec.name, samples, reference, wav, rttm, voices)
    samples, reference = _mix(spec)
    cache_dir.mkdir(parents=True, exist_ok=True)
    from voice._audio import write_wav

    write_wav(wav, samples, USER_RATE)
    write_rttm(rttm, {spec.name: reference})
    return Conversation(spec.name, samples, reference, wav, rttm, voices)


def _cache_key(spec: ConversationSpec) -> str:
    engines = {voice.engine for voice in spec.speakers.values()}
    tools = {engine: _tool_version(engine) for engine in sorted(engines)}
    text = json.dumps([SYNTH_VERSION, spec.model_dump(mode="json"), tools], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _tool_version(engine: str) -> str:
    if engine == "piper":
        from voice._models import piper_voice

        return piper_voice().voice_id
    return run_tool([require_tool("espeak-ng"), "--version"]).decode(errors="replace").strip()


# --- synthesis ---------------------------------------------------------------------------------


def _mix(spec: ConversationSpec) -> tuple[Samples, list[SpeakerTurn]]:
    """Place every turn on one track; the reference from each turn's own audio."""
    placed: list[tuple[int, NDArray[np.float64]]] = []
    reference: list[SpeakerTurn] = []
    floor = spec.lead_in_s  # end of everything said so far
    for index, turn in enumerate(spec.turns):
        audio = _levelled(speak(turn.say, spec.speakers[turn.speaker]), turn.gain_db)
        if not len(audio):
            raise VoiceError(f"{spec.name}: turn {index} ({turn.say!r}) synthesized no audio")
        start = max(0.0, floor + turn.gap_s) if index else spec.lead_in_s
        offset = round(start * USER_RATE)
        placed.append((offset, audio))
        reference += [
            SpeakerTurn(speaker=turn.speaker, start=start + a, end=start + b)
            for a, b in speech_spans(audio)
        ]
        floor = max(floor, start + len(audio) / USER_RATE)
    length = round((floor + spec.tail_s) * USER_RATE)
    mix = np.zeros(length, np.float64)
    for offset, audio in placed:
        mix[offset : offset + len(audio)] += audio
    if spec.noise_dbfs is not None:
        noise = np.random.default_rng(spec.seed).standard_normal(length)
        mix += noise * 10 ** (spec.noise_dbfs / 20)
    pcm: Samples = (np.clip(mix, -1.0, 1.0) * 32767).astype(np.int16)
    return pcm, sorted(reference, key=lambda t: t.start)


def _levelled(samples: Samples, gain_db: float) -> NDArray[np.float64]:
    audio = samples.astype(np.float64) / 32768.0
    rms = float(np.sqrt(np.mean(audio**2))) if len(audio) else 0.0
    if rms == 0.0:
        return audio
    return audio * 10 ** ((TARGET_DBFS + gain_db) / 20) / rms


def speech_spans(audio: NDArray[np.float64]) -> list[tuple[float, float]]:
    """(start, end) seconds of the stretches above the silence threshold, short pauses bridged."""
    window = round(USER_RATE * _WINDOW_S)
    usable = len(audio) // window * window
    peaks = np.abs(audio[:usable]).reshape(-1, window).max(axis=1)
    loud = np.flatnonzero(peaks > _SILENCE)
    if not len(loud):
        return []
    bridge = round(REFERENCE_BRIDGE_S / _WINDOW_S)
    spans, first, last = [], int(loud[0]), int(loud[0])
    for frame in loud[1:]:
        if frame - last > bridge:
            spans.append((first, last + 1))
            first = int(frame)
        last = int(frame)
    spans.append((first, last + 1))
    return [(a * _WINDOW_S, b * _WINDOW_S) for a, b in spans]


def bundled_conversations(folder: Path) -> list[Path]:
    """The conversation files in a folder, in name order."""
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise VoiceConfigError(f"{folder}: no conversation files (*.yaml); fix: add one")
    return paths
