"""Percentiles and per-stage durations of the timelines."""

from __future__ import annotations

import pytest

from tests.voice.sim_fixtures import run, runs, turn
from voice._stats import DURATIONS, durations, p50_ratio, percentile, stat, stats_by_design
from voice._types import TurnTimeline


def test_percentile_is_linear_interpolation() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == pytest.approx(4.8)  # 80 % of the way from 4 to 5
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_durations_follow_the_stage_definitions() -> None:
    timeline = turn(0, 0.0, (0.05, 0.4, 0.7, 0.9, 1.0, 1.02))
    got = {spec.name: durations([timeline], spec)[0] for spec in DURATIONS}
    assert got == pytest.approx(
        {
            "end_of_turn": 0.05,
            "final_transcript": 0.4,
            "llm_first_token": 0.3,
            "first_sentence": 0.2,
            "tts_first_audio": 0.1,
            "playback_start": 0.02,
            "voice_to_voice": 1.02,
        }
    )


def test_missing_events_are_skipped_not_zero() -> None:
    partial = TurnTimeline(index=0, user_text="hi", events={"vad_stop": 1.0, "end_of_turn": 1.1})
    spec = next(s for s in DURATIONS if s.name == "llm_first_token")
    assert durations([partial], spec) == []
    rows = stats_by_design([run("streaming").model_copy(update={"turns": [partial]})])
    row = stat(rows["streaming"], "llm_first_token")
    assert row is not None and row.n == 0 and row.p50_s is None


def test_stats_per_design_and_ratio() -> None:
    stats = stats_by_design(runs())
    assert list(stats) == ["non_streaming", "streaming", "preemptive"]
    v2v = stat(stats["streaming"], "voice_to_voice")
    assert v2v is not None and v2v.n == 5
    # jitter 0, .01, .02, .03, .04 on top of 1.02 s: median 1.04, p95 1.058
    assert v2v.p50_s == pytest.approx(1.04)
    assert v2v.p95_s == pytest.approx(1.058)
    assert p50_ratio(stats) == pytest.approx(1.04 / 2.44)


def test_ratio_needs_both_designs() -> None:
    assert p50_ratio(stats_by_design([run("streaming")])) is None
