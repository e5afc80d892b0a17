"""From a Recorder's log to per-turn timelines and barge-ins (pure: literal logs, no audio)."""

from __future__ import annotations

from typing import Any

from tests.voice.pipeline_support import VOICE_MODULES, require

require(*VOICE_MODULES)

from voice._observer import Event, PlaybackRun, build_timelines, stages_in_order  # noqa: E402
from voice._types import STAGES  # noqa: E402


def ev(at: float, kind: str, **data: Any) -> Event:
    return Event(at, kind, data)


def utterance(at: float, index: int, end: float, *, barge_in: bool = False) -> Event:
    return ev(at, "utterance", index=index, text=f"line {index}", end=end, barge_in=barge_in)


def turn(
    start: float, index: int, gen: int, *, reply: str, cancel_at: float | None = None
) -> list[Event]:
    """One user turn 1 s long, answered by generation `gen` whose audio starts at start + 2.3."""
    s = start
    done = (
        [ev(cancel_at, "llm_done", generation=gen, cancelled=True, reply=reply[:4])]
        if cancel_at
        else [ev(s + 2.0, "llm_done", generation=gen, cancelled=False, reply=reply)]
    )
    return [
        utterance(s, index, s + 1.0, barge_in=index == 1),
        ev(s + 0.3, "vad_start"),
        ev(s + 0.3, "turn_start"),
        ev(s + 1.2, "vad_stop"),
        ev(s + 1.3, "eot", by="smart turn"),
        ev(s + 1.6, "transcript", text=f" Line {index}. "),
        ev(s + 1.6, "turn_stop"),
        ev(s + 1.6, "llm_start", generation=gen, text=f"Line {index}.", released=True),
        ev(s + 1.6, "llm_release", generation=gen),
        ev(s + 1.7, "llm_first_token", generation=gen),
        ev(s + 1.9, "tts_request", text=reply),
        ev(s + 2.2, "tts_audio"),
        *done,
    ]


def test_a_turn_becomes_a_timeline_in_causal_order() -> None:
    events = turn(0.5, 0, 0, reply="Paris is the capital.")
    [timeline] = build_timelines(events, [PlaybackRun(2.71, 4.0)]).turns
    assert timeline.events == {
        "vad_stop": 1.7,
        "end_of_turn": 1.8,
        "final_transcript": 2.1,
        "llm_start": 2.1,
        "llm_first_token": 2.2,
        "first_sentence": 2.4,
        "tts_first_audio": 2.7,
        "playback_start": 2.71,
    }
    assert stages_in_order(timeline.events)
    assert timeline.voice_to_voice_s is not None
    assert abs(timeline.voice_to_voice_s - (2.71 - 1.7)) < 1e-9
    assert timeline.transcript == "Line 0."
    assert timeline.reply == "Paris is the capital."
    assert timeline.user_speech_start == 0.5


def test_a_barge_in_records_the_stop_and_what_was_cancelled() -> None:
    first = turn(0.0, 0, 0, reply="A long answer about the moon.", cancel_at=3.05)
    second = turn(3.0, 1, 1, reply="Eight legs.")
    interruption = [
        ev(3.05, "tts_interrupted", pending=True),
        ev(3.05, "speaker_interrupted", dropped_bytes=4410, playing_until=3.1),
    ]
    events = sorted(first + second + interruption, key=lambda e: e.at)
    runs = [PlaybackRun(2.21, 3.1), PlaybackRun(5.21, 6.0)]
    result = build_timelines(events, runs)
    [barge_in] = result.barge_ins
    assert barge_in.turn == 0
    assert barge_in.user_speech_start == 3.0
    assert barge_in.bot_audio_stopped == 3.1
    assert barge_in.stop_time_s is not None and abs(barge_in.stop_time_s - 0.1) < 1e-9
    assert barge_in.llm_cancelled and barge_in.tts_cleared
    assert [t.interrupted for t in result.turns] == [True, False]
    assert result.turns[0].reply == "A lo"  # what had been generated when it was cancelled


def test_a_finished_generation_is_not_counted_as_cancelled() -> None:
    events = sorted(
        turn(0.0, 0, 0, reply="Short.") + turn(3.0, 1, 1, reply="Eight legs."), key=lambda e: e.at
    )
    result = build_timelines(events, [PlaybackRun(2.21, 3.4), PlaybackRun(5.21, 6.0)])
    [barge_in] = result.barge_ins
    assert not barge_in.llm_cancelled and not barge_in.tts_cleared
    assert any("turn 0: the LLM had finished its reply" in note for note in result.notes)


def test_a_decision_answers_the_latest_vad_stop_only() -> None:
    # Smart Turn's verdict on the first pause arrives after the user went on: it is stale.
    events = [
        utterance(0.0, 0, 3.0),
        ev(0.3, "vad_start"),
        ev(0.3, "turn_start"),
        ev(1.0, "vad_stop"),
        ev(1.1, "vad_start"),
        ev(1.3, "eot", by="smart turn"),
        ev(2.2, "vad_stop"),
        ev(2.4, "eot", by="smart turn"),
        ev(2.9, "transcript", text="part one"),
        ev(2.9, "turn_stop"),
        ev(3.2, "transcript", text="part two"),  # the last segment, after pipecat's turn end
        ev(3.2, "llm_start", generation=0, text="part one part two", released=True),
        ev(3.2, "llm_release", generation=0),
    ]
    [timeline] = build_timelines(events, []).turns
    assert timeline.events["vad_stop"] == 2.2
    assert timeline.events["end_of_turn"] == 2.4
    assert timeline.events["final_transcript"] == 3.2
    assert timeline.transcript == "part one part two"
    assert stages_in_order(timeline.events)


def test_stages_in_order_skips_missing_stages_and_catches_inversions() -> None:
    assert stages_in_order({"vad_stop": 1.0, "playback_start": 2.0})
    assert not stages_in_order({"vad_stop": 1.0, "end_of_turn": 0.9})
    assert STAGES[0] == "vad_stop" and STAGES[-1] == "playback_start"
