"""The diarization pipelines, each a class behind one interface: Diarizer.diarize(features).

Both kinds share one front end per recording (Features): webrtcvad speech regions, and the
Resemblyzer embedding of the 1.6 s window ending at every grid point (one point per `step_s`).

Offline (the pyannote pipeline's shape, segmentation -> embedding -> clustering, with a VAD in
place of the segmentation model): each speech point takes the window centred on it; the windows
are clustered (agglomerative or spectral, the number of speakers estimated or known) and then
resegmented by Viterbi.

Streaming (diart's shape): points are labelled in time order and never revised. With a
look-ahead L a point is labelled once the audio L seconds past it has arrived: its embedding is
the mean of the windows that cover it and end within L (one window at L = step, the centred one
from L = 0.8 s, every covering window from L = 1.6 s); the online clustering assigns it or
founds a new speaker. Its VAD may only look ahead L too.

Overlapped speech: every point gets one speaker. These embedding pipelines cannot give two
speakers at once (a mixture's embedding lies between both voices, closer to the louder), so
overlapped speech is missed speech: the report gives each recording's overlap as the floor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from voice._audio import Samples
from voice.diarization._cluster import Labels, OnlineClusters, agglomerative, spectral, viterbi
from voice.diarization._config import DiarizeConfig
from voice.diarization._embed import (
    FRAME_S,
    WINDOW_FRAMES,
    Embeddings,
    Mel,
    embed_windows,
    normalize,
    speech_mask,
    speech_regions,
    to_float,
    vad_flags,
)
from voice.diarization._types import SpeakerTurn

WINDOW_S = WINDOW_FRAMES * FRAME_S
"""Length of one embedding window (1.6 s)."""
PROBES = 12
"""Windows per recording embedded alone to time a streaming step."""


@dataclass
class Features:
    """What every pipeline needs from one recording, computed once."""

    duration_s: float
    step_s: float
    flags: NDArray[np.bool_]
    """webrtcvad's decision per 30 ms frame."""
    windows: Embeddings
    """Row j: the window ending at grid point j * step_s."""
    n_frames: int
    """Mel frames in the recording."""
    seconds: float
    """Wall time of the VAD, the mel frames and the embeddings."""
    window_seconds: list[float]
    """Time to embed one window alone (batch of one), for a sample of windows."""

    @property
    def points(self) -> int:
        """Grid points."""
        return len(self.windows)

    def speech_points(self, regions: list[tuple[float, float]]) -> NDArray[np.bool_]:
        """Per grid point: inside speech."""
        mask = speech_mask(regions, self.n_frames)
        frames = np.minimum(
            (np.arange(self.points) * self.step_s / FRAME_S).round(), self.n_frames - 1
        )
        return mask[frames.astype(np.int64)] if self.n_frames else np.zeros(0, bool)

    def coverage(self, regions: list[tuple[float, float]]) -> NDArray[np.float64]:
        """Per grid point: the share of speech frames in the window ending there."""
        mask = speech_mask(regions, self.n_frames).astype(np.float64)
        cumulative = np.concatenate([[0.0], np.cumsum(mask)])
        ends = np.minimum((np.arange(self.points) * self.step_s / FRAME_S).round(), self.n_frames)
        ends = ends.astype(np.int64)
        starts = np.maximum(ends - WINDOW_FRAMES, 0)
        share: NDArray[np.float64] = (cumulative[ends] - cumulative[starts]) / WINDOW_FRAMES
        return share

    def window_at(self, point: int, ahead_s: float) -> int:
        """The grid index of the window ending `ahead_s` after a point (clipped to the end)."""
        return min(self.points - 1, point + round(ahead_s / self.step_s))


def features(samples: Samples, config: DiarizeConfig) -> Features:
    """VAD flags and every grid point's window embedding for one 16 kHz recording."""
    started = time.perf_counter()
    audio = to_float(samples)
    flags = vad_flags(samples, config.vad_mode)
    mel = Mel.of(audio)
    step = round(config.step_s / FRAME_S)
    # One more window than points so that a centred window exists for the last point too.
    ends = [min(mel.n, i * step) for i in range(0, max(1, mel.n // step + 1))]
    windows = embed_windows(mel, [max(1, end) for end in ends])
    probe = [time_one_window(mel, max(1, end)) for end in ends[:: max(1, len(ends) // PROBES)]]
    return Features(
        duration_s=len(samples) / 16_000,
        step_s=config.step_s,
        flags=flags,
        windows=windows,
        n_frames=mel.n,
        seconds=time.perf_counter() - started - sum(probe),
        window_seconds=probe,
    )


def time_one_window(mel: Mel, end: int) -> float:
    """Seconds to embed the window ending at `end` on its own, as a stream must at each step."""
    started = time.perf_counter()
    embed_windows(mel, [end])
    return time.perf_counter() - started


class Diarizer(Protocol):
    """A diarization pipeline."""

    name: str
    """Its name in reports."""

    def diarize(self, feats: Features) -> list[SpeakerTurn]:
        """Who spoke when."""
        ...


def to_turns(
    labels: Labels, regions: list[tuple[float, float]], step_s: float
) -> list[SpeakerTurn]:
    """Grid-point labels (-1: none) as turns inside the speech regions, at 10 ms resolution:
    each 10 ms frame takes the label of the nearest grid point, or of the region's nearest
    labelled point when that one has none."""
    turns: list[SpeakerTurn] = []
    for start, end in regions:
        frames = np.arange(round(start / FRAME_S), round(end / FRAME_S))
        nearest = np.floor(frames * FRAME_S / step_s + 0.5).astype(np.int64)  # half rounds up
        nearest = np.clip(nearest, 0, len(labels) - 1)
        found = _fill(labels[nearest])
        if found is None:
            continue  # no labelled point in the region (shorter than a step)
        changes = np.flatnonzero(np.diff(found)) + 1
        for run in np.split(np.arange(len(frames)), changes):
            turns.append(
                SpeakerTurn(
                    speaker=f"spk{int(found[run[0]])}",
                    start=float(frames[run[0]]) * FRAME_S,
                    end=float(frames[run[-1]] + 1) * FRAME_S,
                )
            )
    return turns


def _fill(values: Labels) -> Labels | None:
    """-1 entries replaced by the nearest labelled entry (None when there is none)."""
    known = np.flatnonzero(values >= 0)
    if not len(known):
        return None
    positions = np.arange(len(values))
    nearest = known[np.abs(positions[:, None] - known[None, :]).argmin(axis=1)]
    filled: Labels = values[nearest]
    return filled


@dataclass
class OfflineDiarizer:
    """VAD -> centred windows -> agglomerative or spectral clustering -> Viterbi resegmentation."""

    name: str
    config: DiarizeConfig
    clustering: str = "ahc"
    """ahc or spectral."""
    speakers: int | None = None
    """The number of speakers when known (None: estimated)."""

    def diarize(self, feats: Features) -> list[SpeakerTurn]:
        """Cluster the speech points' centred windows, resegment, and return the turns."""
        c = self.config
        regions = speech_regions(feats.flags, bridge_s=c.vad_bridge_s, min_s=c.vad_min_s)
        speech = feats.speech_points(regions)
        points = np.flatnonzero(speech)
        if not len(points):
            return []
        vectors = feats.windows[[feats.window_at(int(p), WINDOW_S / 2) for p in points]]
        labels = self._cluster(vectors)
        breaks = np.concatenate([[True], np.diff(points) > 1])
        labels = viterbi(vectors, labels, switch_penalty=c.switch_penalty, breaks=breaks)
        grid = np.full(feats.points, -1, np.int64)
        grid[points] = labels
        return to_turns(grid, regions, feats.step_s)

    def _cluster(self, vectors: Embeddings) -> Labels:
        c = self.config
        k = min(self.speakers, len(vectors)) if self.speakers else None
        if self.clustering == "spectral":
            return spectral(
                vectors,
                neighbours=c.spectral_neighbours,
                max_speakers=c.max_speakers,
                speakers=k,
                seed=c.seed,
            )
        return agglomerative(vectors, threshold=c.ahc_threshold, speakers=k)


@dataclass
class StreamingDiarizer:
    """Labels each point once its look-ahead has arrived; online clustering, never revised."""

    name: str
    config: DiarizeConfig
    latency_s: float
    step_seconds: list[float] | None = None
    """Filled by diarize(): compute time of each labelled point's assignment."""

    def diarize(self, feats: Features) -> list[SpeakerTurn]:
        """Walk the grid in time order, as a live stream would."""
        c = self.config
        ahead = min(self.latency_s, WINDOW_S)  # windows ending later no longer cover the point
        regions = speech_regions(
            feats.flags,
            bridge_s=min(c.vad_bridge_s, self.latency_s),
            min_s=min(c.vad_min_s, self.latency_s),
        )
        speech = feats.speech_points(regions)
        coverage = feats.coverage(regions)
        clusters = OnlineClusters(c.new_speaker_below, c.update_above, c.max_speakers)
        grid = np.full(feats.points, -1, np.int64)
        seconds = []
        for point in np.flatnonzero(speech):
            started = time.perf_counter()
            last = feats.window_at(int(point), ahead)
            vector = normalize(feats.windows[int(point) : last + 1].mean(axis=0, keepdims=True))[0]
            confident = bool(coverage[int(point) : last + 1].mean() >= c.min_speech_share)
            grid[point], _ = clusters.assign(vector, confident=confident)
            seconds.append(time.perf_counter() - started)
        self.step_seconds = seconds
        return to_turns(grid, regions, feats.step_s)


def pipelines(
    config: DiarizeConfig, speakers: int | None, *, curve: bool = False
) -> list[OfflineDiarizer | StreamingDiarizer]:
    """The configured pipelines; `-known` ones only when the number of speakers is known.

    With `curve`, one streaming pipeline per look-ahead of the latency-DER curve as well.
    """
    chosen: list[OfflineDiarizer | StreamingDiarizer] = []
    for name in config.pipelines:
        if name == "streaming":
            chosen.append(streaming(config, config.latency_s))
            continue
        clustering = "spectral" if "spectral" in name else "ahc"
        if name.endswith("-known"):
            if speakers:
                chosen.append(OfflineDiarizer(name, config, clustering, speakers))
        else:
            chosen.append(OfflineDiarizer(name, config, clustering))
    if curve:
        chosen += [streaming(config, latency) for latency in config.curve_latencies_s]
    unique: dict[str, OfflineDiarizer | StreamingDiarizer] = {p.name: p for p in chosen}
    return list(unique.values())


def streaming(config: DiarizeConfig, latency_s: float) -> StreamingDiarizer:
    """The streaming pipeline at one look-ahead, named after it."""
    return StreamingDiarizer(streaming_name(latency_s), config, latency_s)


def streaming_name(latency_s: float) -> str:
    """streaming-<latency>s."""
    return f"streaming-{latency_s:g}s"
