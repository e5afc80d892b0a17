"""Test audio, synthesized offline: the simulated user's utterances, and WAV helpers.

Utterances are spoken by piper with the bundled voice and resampled to 16 kHz mono (what the
pipeline's microphone delivers). A mid-sentence pause is cut into the audio of the *whole*
sentence at a word boundary, so the words before it keep their mid-sentence intonation
(synthesizing the fragment alone would end it on a falling, sentence-final tone that any turn
detector hears as "done"). Word boundaries come from piper's own phoneme durations (its
alignments, which need the onnx package: the `alignment` extra of piper-tts).
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voice._errors import VoiceError
from voice._models import piper_voice, whisper_model_dir
from voice._script import PAUSE_MARK, Utterance
from voice._voices import VoiceSpec

Samples = NDArray[np.int16]

USER_RATE = 16_000
"""Sample rate of the simulated microphone (Whisper, Silero and Smart Turn all use 16 kHz)."""
FRAME_S = 0.02
"""The microphone delivers 20 ms frames."""
_EDGE_THRESHOLD = 0.01
"""Amplitude (of full scale) below which the edges of synthesized speech count as silence."""
SENTENCE_GAP_S = 0.12
"""Silence between two sentences of one utterance."""


@dataclass(frozen=True)
class UserAudio:
    """One utterance as the microphone plays it: 16 kHz mono PCM and where the speech is."""

    samples: Samples
    """16-bit PCM at USER_RATE, speech from the first sample to the last."""
    speech: list[tuple[float, float]]
    """(start, end) of each stretch of speech, seconds from the first sample; pauses between."""

    @property
    def duration_s(self) -> float:
        """Length of the audio, seconds."""
        return len(self.samples) / USER_RATE


# --- synthesis ------------------------------------------------------------------------------


@functools.cache
def _piper() -> Any:
    from piper import PiperVoice

    # Alignments (phoneme durations) need the model patched in memory, with onnx.
    return PiperVoice.load(str(piper_voice().model), include_alignments=True)


@functools.cache
def whisper() -> Any:
    """The bundled Whisper tiny.en, loaded once per process (CPU, int8)."""
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]  # ships no types

    return WhisperModel(str(whisper_model_dir()), device="cpu", compute_type="int8")


@dataclass(frozen=True)
class _Speech:
    """Piper's audio of a text at the voice's sample rate, and where its words meet."""

    samples: Samples
    rate: int
    boundaries: list[int]
    """Sample index between each pair of neighbouring words (in the middle of the pause
    phoneme, or of the gap between two sentences)."""


def synthesize(text: str) -> Samples:
    """`text` spoken by the bundled piper voice at USER_RATE, without silence at either end."""
    speech = _speak(text)
    return trim_silence(resample(speech.samples, speech.rate, USER_RATE), USER_RATE)


def _speak(text: str) -> _Speech:
    """Piper speaks each sentence separately; they are joined with SENTENCE_GAP_S of silence, a
    quick speaker's pause that VAD does not take for the end of speech (under its 0.2 s stop)."""
    voice = _piper()
    rate = voice.config.sample_rate
    parts: list[Samples] = []
    boundaries: list[int] = []
    at = 0
    for chunk in voice.synthesize(text, include_alignments=True):
        if parts:  # between two sentences
            gap = silence(SENTENCE_GAP_S, rate)
            boundaries.append(at + len(gap) // 2)
            parts.append(gap)
            at += len(gap)
        audio, words = _trimmed_sentence(chunk, rate)
        boundaries += [at + b for b in words]
        parts.append(audio)
        at += len(audio)
    samples = np.concatenate(parts) if parts else np.zeros(0, np.int16)
    return _Speech(samples, rate, boundaries)


def _trimmed_sentence(chunk: Any, rate: int) -> tuple[Samples, list[int]]:
    """One sentence without its edge silence, and its word boundaries (the " " phonemes)."""
    audio: Samples = chunk.audio_int16_array
    bounds, at = [], 0
    for phoneme in chunk.phoneme_alignments or []:
        if phoneme.phoneme == " ":
            bounds.append(at + int(phoneme.num_samples) // 2)
        at += int(phoneme.num_samples)
    window = rate // 100
    loud = np.flatnonzero(_window_peaks(audio, window) > _EDGE_THRESHOLD * 32768)
    if not len(loud):
        return audio[:0], []
    lo, hi = int(loud[0]) * window, (int(loud[-1]) + 1) * window
    return audio[lo:hi], [b - lo for b in bounds if lo < b < hi]


def resample(samples: Samples, rate_in: int, rate_out: int) -> Samples:
    """16-bit PCM from one sample rate to another (soxr, as pipecat uses)."""
    if rate_in == rate_out or not len(samples):
        return samples
    import soxr  # type: ignore[import-untyped]  # ships no types

    out: NDArray[np.float32] = soxr.resample(
        samples.astype(np.float32) / 32768.0, rate_in, rate_out
    )
    return to_int16(out)


def to_int16(audio: NDArray[np.floating[Any]]) -> Samples:
    """Float audio in [-1, 1] as 16-bit PCM, clipped."""
    scaled: NDArray[np.float64] = np.clip(audio, -1.0, 1.0) * 32767.0
    return scaled.astype(np.int16)


def trim_silence(samples: Samples, rate: int, threshold: float = _EDGE_THRESHOLD) -> Samples:
    """`samples` without the silent 10 ms windows at either end."""
    window = rate // 100
    loud = np.flatnonzero(_window_peaks(samples, window) > threshold * 32768)
    if not len(loud):
        return samples[:0]
    first, last = int(loud[0]), int(loud[-1])
    return samples[first * window : (last + 1) * window]


def _window_peaks(samples: Samples, window: int) -> NDArray[np.float64]:
    usable = len(samples) // window * window
    frames = np.abs(samples[:usable].astype(np.float64)).reshape(-1, window)
    return frames.max(axis=1) if len(frames) else np.zeros(0)


def silence(seconds: float, rate: int = USER_RATE) -> Samples:
    """`seconds` of digital silence."""
    return np.zeros(round(seconds * rate), np.int16)


# --- utterances with pauses ------------------------------------------------------------------


def utterance_audio(utterance: Utterance, voice: VoiceSpec | None = None) -> UserAudio:
    """The utterance spoken as one sentence, with `pause_s` of silence at each `|`.

    `voice` (another speaker's) applies to utterances without pauses only.
    """
    if voice is not None:
        audio = speak(utterance.text, voice)
        return UserAudio(audio, [(0.0, len(audio) / USER_RATE)])
    if not utterance.pauses:
        audio = synthesize(utterance.text)
        return UserAudio(audio, [(0.0, len(audio) / USER_RATE)])
    speech = _speak(utterance.text)
    pieces = [
        resample(piece, speech.rate, USER_RATE)
        for piece in np.split(speech.samples, _pause_cuts(speech, utterance))
    ]
    gap = silence(utterance.pause_s)
    spans, out, at = [], [], 0.0
    for i, piece in enumerate(pieces):
        if i:
            out.append(gap)
            at += utterance.pause_s
        out.append(piece)
        spans.append((at, at + len(piece) / USER_RATE))
        at += len(piece) / USER_RATE
    return UserAudio(np.concatenate(out), spans)


def _pause_cuts(speech: _Speech, utterance: Utterance) -> list[int]:
    """Where the `|` marks fall: at word boundaries, counted in piper's own phonemes."""
    words = utterance.text.split()
    if len(speech.boundaries) != len(words) - 1:
        raise VoiceError(
            f"piper does not speak {utterance.text!r} as {len(words)} separate words, so a pause "
            "cannot be placed between two of them; fix: reword it, or move the '|'"
        )
    parts = utterance.say.split(PAUSE_MARK)
    counts = [len(" ".join(parts[:i]).split()) for i in range(1, len(parts))]
    return [speech.boundaries[count - 1] for count in counts]


# --- other speakers' voices: espeak-ng, and sox for pitch and tempo -----------------------


def speak(text: str, voice: VoiceSpec) -> Samples:
    """`text` in `voice` at USER_RATE, without silence at either end."""
    samples = synthesize(text) if voice.engine == "piper" else _espeak(text, voice)
    if voice.pitch_semitones or voice.tempo != 1.0:
        samples = _sox_shift(samples, voice.pitch_semitones, voice.tempo)
    return trim_silence(samples, USER_RATE)


def _espeak(text: str, voice: VoiceSpec) -> Samples:
    with tempfile.TemporaryDirectory(prefix="regenlab-espeak-") as tmp:
        out = Path(tmp) / "out.wav"
        command = [require_tool("espeak-ng"), "-v", voice.voice, "-p", str(voice.espeak_pitch)]
        run_tool([*command, "-s", str(voice.espeak_speed), "-w", str(out), "--", text])
        samples, rate = read_wav(out)
    return resample(samples, rate, USER_RATE)


def _sox_shift(samples: Samples, semitones: float, tempo: float) -> Samples:
    with tempfile.TemporaryDirectory(prefix="regenlab-sox-") as tmp:
        source, shifted = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        write_wav(source, samples, USER_RATE)
        effects = ["pitch", f"{semitones * 100:.0f}"] if semitones else []
        effects += ["tempo", f"{tempo:g}"] if tempo != 1.0 else []
        run_tool([require_tool("sox"), str(source), str(shifted), *effects])
        out, _ = read_wav(shifted)
    return out


def require_tool(tool: str) -> str:
    """The path of a command-line tool, or a VoiceError naming how to install it."""
    found = shutil.which(tool)
    if found is None:
        raise VoiceError(
            f"{tool} is not installed (needed for the synthetic conversations); "
            f"fix: apt-get install {tool}, or run scripts/setup"
        )
    return found


def run_tool(command: list[str]) -> bytes:
    """A tool's stdout; its failure is a VoiceError with the last line it printed."""
    done = subprocess.run(command, capture_output=True, check=False, timeout=120)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise VoiceError(f"{Path(command[0]).name} failed: {detail[-1] if detail else 'no output'}")
    return done.stdout


# --- caching -----------------------------------------------------------------------------------


def script_audio(
    utterances: list[Utterance],
    cache_dir: Path,
    voices: dict[str, VoiceSpec] | None = None,
) -> list[UserAudio]:
    """Every utterance's audio, synthesized once into `cache_dir` (a WAV and its speech spans);
    an utterance with a `speaker` is spoken in that speaker's voice from `voices`."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    known = voices or {}
    return [_cached(u, cache_dir, known.get(u.speaker) if u.speaker else None) for u in utterances]


def _cached(utterance: Utterance, cache_dir: Path, voice: VoiceSpec | None) -> UserAudio:
    spoken = f"|{voice.model_dump_json()}" if voice else ""
    key = hashlib.sha256(
        f"{piper_voice().voice_id}|{utterance.say}|{utterance.pause_s}{spoken}".encode()
    ).hexdigest()[:16]
    wav, spans = cache_dir / f"{key}.wav", cache_dir / f"{key}.json"
    if wav.exists() and spans.exists():
        samples, _ = read_wav(wav)
        return UserAudio(samples, [tuple(s) for s in json.loads(spans.read_text())])
    audio = utterance_audio(utterance, voice)
    write_wav(wav, audio.samples, USER_RATE)
    spans.write_text(json.dumps(audio.speech))
    return audio


# --- WAV files ---------------------------------------------------------------------------------


def write_wav(path: Path, samples: Samples, rate: int) -> Path:
    """Write 16-bit mono PCM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> tuple[Samples, int]:
    """16-bit PCM samples (mono, or the first channel) and the sample rate of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise VoiceError(f"{path}: only 16-bit PCM WAV files are supported")
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        channels, rate = wav.getnchannels(), wav.getframerate()
    return data[::channels].astype(np.int16), rate
