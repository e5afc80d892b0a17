"""The pipelines' clustering and bookkeeping on synthetic embeddings (no model, no audio).

Each "speaker" is a fixed random direction; a window's embedding is the normalized mean of the
speakers talking inside it plus noise, as a speaker encoder would roughly give.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from voice.diarization import DiarizeConfig, SpeakerTurn, score_pair
from voice.diarization._cluster import (
    OnlineClusters,
    affinity,
    agglomerative,
    eigengap_speakers,
    spectral,
    viterbi,
)
from voice.diarization._embed import VAD_FRAME_S, speech_regions
from voice.diarization._pipelines import (
    Features,
    OfflineDiarizer,
    StreamingDiarizer,
    pipelines,
    to_turns,
)

pytest.importorskip("sklearn")

STEP = 0.2
REFERENCE = [
    SpeakerTurn(speaker="A", start=1.0, end=6.0),
    SpeakerTurn(speaker="B", start=7.0, end=12.0),
    SpeakerTurn(speaker="A", start=13.0, end=18.0),
    SpeakerTurn(speaker="C", start=19.0, end=24.0),
]
DURATION = 25.0


def directions(n: int, seed: int = 1) -> NDArray[np.float32]:
    """Non-negative unit vectors (as Resemblyzer's are), each strong on its own 32 dimensions:
    cosine similarity about 0.5 between two of them."""
    rng = np.random.default_rng(seed)
    vectors = 0.2 * np.abs(rng.standard_normal((n, 256)))
    for i in range(n):
        vectors[i, 32 * i : 32 * (i + 1)] += 1.0
    out: NDArray[np.float32] = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(
        np.float32
    )
    return out


def blobs(
    sizes: list[int], noise: float = 0.05, seed: int = 0
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    centres = directions(len(sizes))
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for label, size in enumerate(sizes):
        points = centres[label] + noise * np.abs(rng.standard_normal((size, 256)))
        rows.append(points / np.linalg.norm(points, axis=1, keepdims=True))
        labels += [label] * size
    return np.concatenate(rows).astype(np.float32), np.array(labels)


def same_partition(a: NDArray[np.int64], b: NDArray[np.int64]) -> bool:
    pairs = {(int(x), int(y)) for x, y in zip(a, b, strict=True)}
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def features(noise: float = 0.02) -> Features:
    """Features of the REFERENCE conversation, with synthetic window embeddings."""
    speakers = {"A": 0, "B": 1, "C": 2}
    centres = directions(3)
    points = int(DURATION / STEP) + 1
    rng = np.random.default_rng(3)
    windows = np.zeros((points, 256), np.float32)
    for end in range(points):
        t_end, t_start = end * STEP, end * STEP - 1.6
        mix = np.zeros(256, np.float32)
        for turn in REFERENCE:
            covered = max(0.0, min(t_end, turn.end) - max(t_start, turn.start))
            mix += covered * centres[speakers[turn.speaker]]
        mix += noise * np.abs(rng.standard_normal(256)).astype(np.float32)
        windows[end] = mix / np.linalg.norm(mix)
    frames = int(DURATION / VAD_FRAME_S)
    times = np.arange(frames) * VAD_FRAME_S
    flags = np.zeros(frames, bool)
    for turn in REFERENCE:
        flags |= (times >= turn.start) & (times < turn.end)
    return Features(
        duration_s=DURATION,
        step_s=STEP,
        flags=flags,
        windows=windows,
        n_frames=int(DURATION / 0.01),
        seconds=0.0,
        window_seconds=[0.001],
    )


def test_agglomerative_finds_the_clusters_with_and_without_their_number() -> None:
    vectors, truth = blobs([20, 30, 25])
    assert same_partition(agglomerative(vectors, threshold=0.3), truth)
    assert same_partition(agglomerative(vectors, threshold=0.99, speakers=3), truth)
    assert len(set(agglomerative(vectors, threshold=0.99).tolist())) == 1  # everything merges


def test_spectral_estimates_the_number_of_speakers_by_the_eigengap() -> None:
    vectors, truth = blobs([20, 30, 25, 15])
    assert eigengap_speakers(affinity(vectors, neighbours=0.3), max_speakers=8) == 4
    assert same_partition(spectral(vectors, neighbours=0.3, max_speakers=8), truth)
    assert same_partition(spectral(vectors, neighbours=0.3, max_speakers=8, speakers=4), truth)


def test_viterbi_removes_a_lone_flip_but_keeps_real_turns() -> None:
    vectors, truth = blobs([15, 15], noise=0.4)
    noisy = truth.copy()
    noisy[7] = 1  # one window given to the other speaker
    fixed = viterbi(vectors, noisy, switch_penalty=0.3)
    assert same_partition(fixed, truth)


def test_online_clusters_found_speakers_and_join_known_ones() -> None:
    a, b = directions(2)
    clusters = OnlineClusters(new_speaker_below=0.9, update_above=0.95)
    assert clusters.assign(a) == (0, 1.0)
    assert clusters.assign(b) == (1, 1.0)
    speaker, similarity = clusters.assign(a)
    assert speaker == 0 and similarity == pytest.approx(1.0)
    # A doubtful first vector founds a provisional speaker, replaced by the first sure one.
    clusters = OnlineClusters(new_speaker_below=0.9, update_above=0.95)
    clusters.assign(b, confident=False)
    assert clusters.assign(a) == (0, 1.0)
    assert clusters.assign(a)[1] == pytest.approx(1.0)


def test_point_labels_become_turns_inside_the_speech_regions() -> None:
    # Points every 0.2 s; each 10 ms frame takes its nearest point's label.
    labels = np.array([-1, 0, 0, 1, 1, -1, -1], np.int64)
    turns = to_turns(labels, [(0.15, 0.65), (0.85, 1.1), (1.15, 1.25)], 0.2)
    found = [(t.speaker, round(t.start, 3), round(t.end, 3)) for t in turns]
    assert found == [
        ("spk0", 0.15, 0.5),  # frames up to 0.49 are nearest to the point at 0.4 s
        ("spk1", 0.5, 0.65),
        ("spk1", 0.85, 1.1),  # the unlabelled point at 1.0 s takes its region's label
    ]  # the last region has no labelled point: dropped


@pytest.mark.parametrize("clustering", ["ahc", "spectral"])
def test_the_offline_pipeline_recovers_the_conversation(clustering: str) -> None:
    config = DiarizeConfig(ahc_threshold=0.3)
    hypothesis = OfflineDiarizer("offline", config, clustering).diarize(features())
    parts = score_pair(REFERENCE, hypothesis, duration_s=DURATION)
    assert len({t.speaker for t in hypothesis}) == 3
    assert parts.der < 0.05, parts


def test_streaming_errs_more_with_less_look_ahead() -> None:
    config = DiarizeConfig(new_speaker_below=0.8, update_above=0.9)
    feats = features()
    ders = {}
    for latency in (0.2, 1.6):
        streaming = StreamingDiarizer("s", config, latency)
        ders[latency] = score_pair(REFERENCE, streaming.diarize(feats), duration_s=DURATION).der
        assert streaming.step_seconds and all(s >= 0 for s in streaming.step_seconds)
    # With 0.2 s of look-ahead a point's windows still hold the previous speaker after a change.
    assert ders[1.6] < ders[0.2]
    assert ders[1.6] < 0.05


def test_the_streaming_vad_never_looks_further_ahead_than_the_latency() -> None:
    flags = np.zeros(100, bool)
    flags[10:20] = flags[25:35] = True  # a 0.15 s gap
    assert len(speech_regions(flags, bridge_s=0.3, min_s=0.1)) == 1
    assert len(speech_regions(flags, bridge_s=min(0.3, 0.1), min_s=0.1)) == 2


def test_known_pipelines_need_the_number_of_speakers() -> None:
    config = DiarizeConfig()
    names = [p.name for p in pipelines(config, None)]
    assert "offline-ahc-known" not in names and "streaming-1.6s" in names
    with_curve = [p.name for p in pipelines(config, 3, curve=True)]
    assert "offline-spectral-known" in with_curve
    assert [n for n in with_curve if n.startswith("streaming")] == [
        "streaming-1.6s", "streaming-0.2s", "streaming-0.4s", "streaming-0.8s",
        "streaming-1.2s", "streaming-2.4s", "streaming-3.2s",
    ]  # fmt: skip
