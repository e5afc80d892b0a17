"""`experiment voice diarize` as a library: recordings in, pipelines run, scores and a report out.

A recording is a WAV file (16-bit PCM, any rate, resampled to 16 kHz; its reference from --rttm,
matched by file id = the file's stem) or a synthetic conversation file (.yaml), synthesized with
its exact reference. With no recording, the bundled conversations are diarized.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from voice._audio import USER_RATE, Samples, read_wav, resample
from voice._config import VoiceConfigError, load_yaml
from voice.diarization._config import DiarizeConfig
from voice.diarization._pipelines import StreamingDiarizer, features, pipelines, streaming_name
from voice.diarization._report import DiarizeReportPaths, write_diarization_report
from voice.diarization._rttm import overlap_seconds, read_rttm
from voice.diarization._score import (
    der_components,
    der_metric,
    jer_components,
    jer_metric,
    pool,
    pooled_interval,
    score_recordings,
)
from voice.diarization._synth import (
    bundled_conversations,
    load_conversation,
    synthesize_conversation,
)
from voice.diarization._types import (
    DiarizationResult,
    LatencyPoint,
    Recording,
    Score,
    SpeakerTurn,
)

BUNDLED = Path(__file__).parents[1] / "conversations" / "diarization"
"""The bundled synthetic conversations."""
WINDOW_TIMES = "(one window alone)"

"""Caveats printed first in every diarization report."""


@dataclass
class Input:
    """One recording to diarize."""

    name: str
    samples: Samples
    reference: list[SpeakerTurn] | None
    source: str


def default_out_dir() -> Path:
    """runs/voice-diarize-<timestamp>."""
    return Path("runs") / f"voice-diarize-{datetime.now():%Y%m%d-%H%M%S}"


def load_inputs(audio: Sequence[Path], rttm: Path | None, cache_dir: Path) -> list[Input]:
    """WAV files (with references from the RTTM) and conversation files (synthesized)."""
    paths = list(audio) or bundled_conversations(BUNDLED)
    references = read_rttm(rttm) if rttm else {}
    wavs = [p for p in paths if p.suffix.lower() not in (".yaml", ".yml")]
    inputs = []
    for path in paths:
        if not path.is_file():
            raise VoiceConfigError(f"{path}: no such file; fix: pass a WAV or a conversation YAML")
        if path.suffix.lower() in (".yaml", ".yml"):
            conversation = synthesize_conversation(load_conversation(path), cache_dir)
            voices = ", ".join(f"{k}: {v}" for k, v in conversation.voices.items())
            inputs.append(
                Input(conversation.name, conversation.samples, conversation.reference, voices)
            )
            continue
        reference = references.get(path.stem)
        if reference is None and len(references) == 1 and len(wavs) == 1:
            reference = next(iter(references.values()))  # one file, one recording: its id aside
        inputs.append(Input(path.stem, _wav(path), reference, str(path)))
    if rttm and not any(i.reference for i in inputs if i.source.endswith(".wav")) and wavs:
        raise VoiceConfigError(
            f"{rttm}: no file id matches {', '.join(p.stem for p in wavs)}; "
            "fix: name each SPEAKER line's file id after its WAV file's stem"
        )
    return inputs


def _wav(path: Path) -> Samples:
    samples, rate = read_wav(path)
    if not len(samples):
        raise VoiceConfigError(f"{path}: the WAV file holds no audio; fix: pass a recording")
    return resample(samples, rate, USER_RATE)


def run_diarization(
    inputs: Sequence[Input], config: DiarizeConfig, *, speakers: int | None = None
) -> DiarizationResult:
    """Every configured pipeline on every recording; scored where references exist."""
    recordings: list[Recording] = []
    step_times: dict[str, list[float]] = {}
    for item in inputs:
        recording, times = _diarize_one(item, config, speakers)
        recordings.append(recording)
        for name, values in times.items():
            step_times.setdefault(name, []).extend(values)
    window = step_times.pop(WINDOW_TIMES, [])
    references = {r.name: r.reference for r in recordings if r.reference}
    hypotheses = {r.name: r.hypotheses for r in recordings}
    scores = score_recordings(references, hypotheses, durations=_durations(recordings))
    pooled = pool(scores, seed=config.seed)
    return DiarizationResult(
        recordings=recordings,
        scores=scores,
        pooled=pooled,
        curve=latency_curve(scores, config, step_times, window),
        headline=[p.name for p in pipelines(config, speakers or 1)],
        window_embed_p50_s=float(np.percentile(window, 50)) if window else None,
        window_embed_p95_s=float(np.percentile(window, 95)) if window else None,
        settings=config.describe(),
        notes=_notes(recordings, speakers),
    )


def _durations(recordings: Sequence[Recording]) -> dict[str, float]:
    return {r.name: r.duration_s for r in recordings}


def _diarize_one(
    item: Input, config: DiarizeConfig, speakers: int | None
) -> tuple[Recording, dict[str, list[float]]]:
    known = speakers or (len({t.speaker for t in item.reference}) if item.reference else None)
    feats = features(item.samples, config)
    recording = Recording(
        name=item.name,
        duration_s=len(item.samples) / USER_RATE,
        source=item.source,
        reference=item.reference,
        overlap_s=overlap_seconds(item.reference) if item.reference else 0.0,
        seconds={"features (VAD, mel, embeddings)": feats.seconds},
    )
    times: dict[str, list[float]] = {WINDOW_TIMES: feats.window_seconds}
    for pipeline in pipelines(config, known, curve=item.reference is not None):
        started = time.perf_counter()
        recording.hypotheses[pipeline.name] = pipeline.diarize(feats)
        recording.seconds[pipeline.name] = time.perf_counter() - started
        if isinstance(pipeline, StreamingDiarizer) and pipeline.step_seconds:
            times[pipeline.name] = pipeline.step_seconds
    return recording, times


def latency_curve(
    scores: Sequence[Score],
    config: DiarizeConfig,
    step_times: dict[str, list[float]],
    window_times: Sequence[float] = (),
) -> list[LatencyPoint]:
    """Pooled DER/JER of the streaming pipeline at each look-ahead of the curve."""
    points = []
    for latency in config.curve_latencies_s:
        name = streaming_name(latency)
        plain = [s for s in scores if s.pipeline == name and s.collar_s == 0.0]
        collar = [s for s in scores if s.pipeline == name and s.collar_s > 0.0]
        if not plain:
            continue
        der, jer = der_metric().compute_metric, jer_metric().compute_metric
        steps = step_times.get(name) or [0.0]
        assign_p95 = float(np.percentile(steps, 95))
        embed_p95 = float(np.percentile(window_times, 95)) if len(window_times) else 0.0
        points.append(
            LatencyPoint(
                latency_s=latency,
                der=pooled_interval([der_components(s.parts) for s in plain], der),
                der_collar=pooled_interval([der_components(s.parts) for s in collar], der),
                jer=pooled_interval([jer_components(s.parts) for s in plain], jer),
                assign_p50_s=float(np.percentile(steps, 50)),
                assign_p95_s=assign_p95,
                label_delay_p95_s=latency + embed_p95 + assign_p95,
            )
        )
    return points


def _notes(recordings: Sequence[Recording], speakers: int | None) -> list[str]:
    notes = [
        f"Recording {r.name} has no reference: not scored." for r in recordings if not r.reference
    ]
    if speakers:
        notes.append(f"The -known pipelines were told {speakers} speakers (--speakers).")
    return notes


def load_config(path: Path | None) -> DiarizeConfig:
    """The --config file, or the defaults."""
    return load_yaml(path, DiarizeConfig) if path else DiarizeConfig()


def diarize(
    audio: Sequence[Path] = (),
    *,
    rttm: Path | None = None,
    out: Path | None = None,
    config: Path | None = None,
    speakers: int | None = None,
) -> tuple[DiarizationResult, DiarizeReportPaths]:
    """`experiment voice diarize AUDIO... [--rttm REF]`: diarize, score, write the report.

    Bad input (a missing file, a bad config or RTTM) fails before anything is computed.
    """
    settings = load_config(config)
    if speakers is not None and speakers < 1:
        raise VoiceConfigError(f"--speakers {speakers}: fix: give a number of speakers >= 1")
    inputs = load_inputs(audio, rttm, _cache_dir())
    result = run_diarization(inputs, settings, speakers=speakers)
    paths = write_diarization_report(
        result, out or default_out_dir(), streaming=streaming_name(settings.latency_s)
    )
    return result, paths


def _cache_dir() -> Path:
    from agents.models import cache_dir

    return cache_dir() / "voice-diarization"
