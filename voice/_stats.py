"""Percentiles and per-stage durations of the turn timelines.

Percentiles use numpy's default "linear" method (type 7 of Hyndman and Fan): the p-th percentile
of n sorted values sits at position (n - 1) * p / 100, interpolated between its neighbours. With
five turns a p95 is therefore 80 % of the way from the 4th to the 5th value, not a tail estimate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from voice._types import (
    DESIGNS,
    VOICE_TO_VOICE,
    ConversationRun,
    Design,
    StageStats,
    TurnTimeline,
)


class Duration(NamedTuple):
    """A per-stage duration: the time from one timeline event to another."""

    name: str
    start: str
    end: str


DURATIONS: tuple[Duration, ...] = (
    Duration("end_of_turn", "vad_stop", "end_of_turn"),
    Duration("final_transcript", "vad_stop", "final_transcript"),
    Duration("llm_first_token", "final_transcript", "llm_first_token"),
    Duration("first_sentence", "llm_first_token", "first_sentence"),
    Duration("tts_first_audio", "first_sentence", "tts_first_audio"),
    Duration("playback_start", "tts_first_audio", "playback_start"),
    Duration(VOICE_TO_VOICE, "vad_stop", "playback_start"),
)
"""The durations the stats report, each named after its end event (voice_to_voice last)."""


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), p, method="linear"))


def duration(turn: TurnTimeline, spec: Duration) -> float | None:
    """One turn's duration, or None when either event did not happen."""
    start, end = turn.events.get(spec.start), turn.events.get(spec.end)
    if start is None or end is None:
        if spec.name == VOICE_TO_VOICE:
            return turn.voice_to_voice_s  # the pipeline may know it without both events
        return None
    return end - start


def durations(turns: Iterable[TurnTimeline], spec: Duration) -> list[float]:
    """The duration over the turns that have both events."""
    values = (duration(turn, spec) for turn in turns)
    return [value for value in values if value is not None]


def stage_stats(turns: Sequence[TurnTimeline]) -> list[StageStats]:
    """p50/p95 of every duration in DURATIONS over the turns."""
    rows = []
    for spec in DURATIONS:
        values = durations(turns, spec)
        rows.append(
            StageStats(
                stage=spec.name,
                n=len(values),
                p50_s=percentile(values, 50),
                p95_s=percentile(values, 95),
            )
        )
    return rows


def stats_by_design(runs: Iterable[ConversationRun]) -> dict[Design, list[StageStats]]:
    """Stage stats per design, pooling the turns of every run of that design."""
    turns: dict[Design, list[TurnTimeline]] = {}
    for run in runs:
        turns.setdefault(run.design, []).extend(run.turns)
    return {design: stage_stats(turns[design]) for design in DESIGNS if design in turns}


def stat(stats: Sequence[StageStats], stage: str) -> StageStats | None:
    """The row of one stage, if present."""
    return next((row for row in stats if row.stage == stage), None)


def p50_ratio(
    stats: dict[Design, list[StageStats]],
    numerator: Design = "streaming",
    denominator: Design = "non_streaming",
) -> float | None:
    """Voice-to-voice p50 of one design over another's (None when either is missing or zero)."""
    top = stat(stats.get(numerator, []), VOICE_TO_VOICE)
    bottom = stat(stats.get(denominator, []), VOICE_TO_VOICE)
    if top is None or bottom is None or top.p50_s is None or not bottom.p50_s:
        return None
    return top.p50_s / bottom.p50_s
