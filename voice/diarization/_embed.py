"""Speech detection and speaker embeddings: webrtcvad and Resemblyzer's GE2E encoder.

The encoder is Resemblyzer's VoiceEncoder with the weights its wheel ships
(`resemblyzer/pretrained.pt`): nothing is downloaded. It embeds 1.6 s windows (160 mel frames
of 10 ms) into 256-dimensional, L2-normalized vectors; the mel frames are computed once per
recording with Resemblyzer's own wav_to_mel_spectrogram, and windows are cut from them.
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voice._audio import USER_RATE, Samples
from voice._errors import VoiceError
from voice._models import INSTALL_HINT

Floats = NDArray[np.float32]
Embeddings = NDArray[np.float32]
"""(n, 256) rows, each L2-normalized."""

FRAME_S = 0.01
"""One mel frame (Resemblyzer's 10 ms hop)."""
WINDOW_FRAMES = 160
"""Frames in one embedding window (Resemblyzer's partial utterance: 1.6 s)."""
VAD_FRAME_S = 0.03
"""webrtcvad decides on 30 ms frames."""
_BATCH = 64


def _import_resemblyzer() -> types.ModuleType:
    """Import resemblyzer, whose webrtcvad 2.0.10 asks pkg_resources for its own version at
    import time; setuptools no longer ships pkg_resources, so a stand-in answering that one
    question (from importlib.metadata) is present during the import only."""
    added = "pkg_resources" not in sys.modules
    if added:
        shim = types.ModuleType("pkg_resources")
        shim.get_distribution = lambda name: types.SimpleNamespace(  # type: ignore[attr-defined]
            version=importlib.metadata.version(name)
        )
        sys.modules["pkg_resources"] = shim
    try:
        import resemblyzer  # type: ignore[import-untyped]  # ships no types
    except ImportError as exc:
        raise VoiceError(f"resemblyzer is not installed; fix: {INSTALL_HINT}") from exc
    finally:
        if added:
            sys.modules.pop("pkg_resources", None)
    module: types.ModuleType = resemblyzer
    return module


@functools.cache
def encoder() -> Any:
    """Resemblyzer's VoiceEncoder on the CPU, loaded once per process."""
    return _import_resemblyzer().VoiceEncoder("cpu", verbose=False)


def to_float(samples: Samples) -> Floats:
    """16-bit PCM as float32 in [-1, 1], volume normalized as Resemblyzer expects (-30 dBFS,
    raised only)."""
    audio = samples.astype(np.float32) / 32768.0
    if not np.any(audio):
        return audio
    resemblyzer = _import_resemblyzer()
    normalized = resemblyzer.audio.normalize_volume(audio, -30, increase_only=True)
    return np.asarray(normalized, dtype=np.float32)


# --- speech detection ----------------------------------------------------------------------


def vad_flags(samples: Samples, mode: int = 2) -> NDArray[np.bool_]:
    """webrtcvad's speech decision per 30 ms frame (16 kHz PCM)."""
    _import_resemblyzer()  # webrtcvad needs the same stand-in
    import webrtcvad  # type: ignore[import-untyped]

    vad = webrtcvad.Vad(mode)
    step = round(VAD_FRAME_S * USER_RATE)
    pcm = samples.astype("<i2").tobytes()
    count = len(samples) // step
    return np.array(
        [vad.is_speech(pcm[i * step * 2 : (i + 1) * step * 2], USER_RATE) for i in range(count)],
        dtype=bool,
    )


def speech_regions(
    flags: NDArray[np.bool_], *, bridge_s: float = 0.3, min_s: float = 0.15
) -> list[tuple[float, float]]:
    """Stretches of speech from per-frame flags: gaps under bridge_s joined, bits under min_s
    dropped."""
    regions: list[list[float]] = []
    for index in np.flatnonzero(flags):
        start = float(index) * VAD_FRAME_S
        if regions and start - regions[-1][1] <= bridge_s + 1e-9:
            regions[-1][1] = start + VAD_FRAME_S
        else:
            regions.append([start, start + VAD_FRAME_S])
    return [(a, b) for a, b in regions if b - a >= min_s]


def speech_mask(regions: Sequence[tuple[float, float]], n_frames: int) -> NDArray[np.bool_]:
    """Per mel frame: inside one of the regions."""
    mask = np.zeros(n_frames, dtype=bool)
    for start, end in regions:
        mask[round(start / FRAME_S) : round(end / FRAME_S)] = True
    return mask


# --- embeddings ----------------------------------------------------------------------------


@dataclass
class Mel:
    """A recording's mel frames (n_frames, 40), computed once."""

    frames: Floats

    @classmethod
    def of(cls, audio: Floats) -> Mel:
        """Resemblyzer's mel spectrogram of the whole recording."""
        resemblyzer = _import_resemblyzer()
        return cls(resemblyzer.wav_to_mel_spectrogram(audio))

    @property
    def n(self) -> int:
        """Number of frames."""
        return int(self.frames.shape[0])

    def window(self, end: int) -> Floats:
        """The WINDOW_FRAMES frames ending at `end` (zero-padded before the first frame)."""
        start = end - WINDOW_FRAMES
        if start >= 0:
            return self.frames[start:end]
        pad = np.zeros((-start, self.frames.shape[1]), np.float32)
        return np.concatenate([pad, self.frames[:end]])


@contextmanager
def _one_thread() -> Iterator[None]:
    """torch on one thread: on 2 shared cores its LSTM runs several times faster than on two
    threads that compete with the rest of the machine (measured here, batch 64)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            yield
    finally:
        torch.set_num_threads(before)


def embed_windows(mel: Mel, ends: Sequence[int]) -> Embeddings:
    """The embedding of the window ending at each frame index, batched."""
    import torch

    model = encoder()
    out = []
    with _one_thread():
        for first in range(0, len(ends), _BATCH):
            batch = np.stack([mel.window(end) for end in ends[first : first + _BATCH]])
            out.append(model(torch.from_numpy(batch)).numpy())
    if not out:
        return np.zeros((0, 256), np.float32)
    return np.concatenate(out).astype(np.float32)


def embed_segment(audio: Floats) -> NDArray[np.float32]:
    """One embedding for a stretch of speech (Resemblyzer's embed_utterance: the normalized
    mean of its 1.6 s partials; shorter audio is zero-padded to one partial)."""
    model = encoder()
    with _one_thread():
        vector: NDArray[np.float32] = model.embed_utterance(audio)
    return vector.astype(np.float32)


def normalize(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    out: NDArray[np.float32] = vectors / np.maximum(norms, 1e-9)
    return out
