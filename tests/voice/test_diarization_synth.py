"""Synthetic conversations: turns placed by their gaps and overlaps, an exact reference, one-line
errors for bad files. Voices are stood in by tone bursts here (the real voices: slow tier)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice import VoiceConfigError
from voice._audio import USER_RATE, Samples, read_wav, speak
from voice._voices import VoiceSpec
from voice.diarization import ConversationSpec, _synth, read_rttm, synthesize_conversation
from voice.diarization._rttm import overlap_seconds
from voice.diarization._synth import load_conversation, speech_spans


def tone(seconds: float, pause_at: float | None = None) -> Samples:
    """A 220 Hz tone, optionally with 0.5 s of silence cut in at `pause_at`."""
    t = np.arange(round(seconds * USER_RATE)) / USER_RATE
    audio = 0.3 * np.sin(2 * np.pi * 220 * t)
    if pause_at is not None:
        audio[round(pause_at * USER_RATE) : round((pause_at + 0.5) * USER_RATE)] = 0
    return (audio * 32767).astype(np.int16)


@pytest.fixture
def fake_voices(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, VoiceSpec]]:
    """`speak` gives one second of tone per word (a pause after the first word of "with pause")."""
    spoken: list[tuple[str, VoiceSpec]] = []

    def speak(text: str, voice: VoiceSpec) -> Samples:
        spoken.append((text, voice))
        words = len(text.split())
        return tone(float(words), pause_at=1.0 if text.startswith("with pause") else None)

    monkeypatch.setattr(_synth, "speak", speak)
    monkeypatch.setattr(_synth, "_tool_version", lambda engine: f"fake {engine}")
    return spoken


SPEC = ConversationSpec.model_validate(
    {
        "name": "toy",
        "speakers": {"a": {"engine": "piper"}, "b": {"engine": "espeak-ng", "voice": "en-us+f3"}},
        "turns": [
            {"speaker": "a", "say": "one two three"},  # 0.5 - 3.5
            {"speaker": "b", "say": "mm", "gap_s": -2.0},  # backchannel 1.5 - 2.5
            {"speaker": "b", "say": "four five", "gap_s": -0.5},  # 3.0 - 5.0 (overlap)
            {"speaker": "a", "say": "with pause here", "gap_s": 0.4},  # 5.4 - 8.4, silent 6.4-6.9
        ],
        "noise_dbfs": None,
    }
)


def test_turns_are_placed_by_their_gaps_and_the_reference_is_exact(
    fake_voices: list[tuple[str, VoiceSpec]], tmp_path: Path
) -> None:
    conversation = synthesize_conversation(SPEC, tmp_path)
    got = [(t.speaker, round(t.start, 2), round(t.end, 2)) for t in conversation.reference]
    assert got == [
        ("a", 0.5, 3.5),
        ("b", 1.5, 2.5),
        ("b", 3.0, 5.0),
        ("a", 5.4, 6.4),  # the 0.5 s pause (over 0.25 s) splits the turn
        ("a", 6.9, 8.4),
    ]
    assert overlap_seconds(conversation.reference) == pytest.approx(1.5, abs=0.02)
    assert conversation.duration_s == pytest.approx(8.4 + SPEC.tail_s, abs=0.01)
    assert [voice.engine for _, voice in fake_voices] == [
        "piper",
        "espeak-ng",
        "espeak-ng",
        "piper",
    ]


def test_the_conversation_is_cached_as_a_wav_and_an_rttm(
    fake_voices: list[tuple[str, VoiceSpec]], tmp_path: Path
) -> None:
    first = synthesize_conversation(SPEC, tmp_path)
    again = synthesize_conversation(SPEC, tmp_path)
    assert len(fake_voices) == len(SPEC.turns)  # the second call synthesized nothing
    samples, rate = read_wav(first.wav)
    assert rate == USER_RATE and np.array_equal(samples, again.samples)
    assert read_rttm(first.rttm)["toy"] == again.reference == first.reference
    changed = SPEC.model_copy(update={"seed": 1, "noise_dbfs": -50.0})
    assert synthesize_conversation(changed, tmp_path).wav != first.wav


def test_short_pauses_stay_inside_a_reference_turn() -> None:
    audio = tone(2.0).astype(np.float64) / 32768
    audio[USER_RATE // 2 : USER_RATE // 2 + USER_RATE // 10] = 0  # a 0.1 s pause
    assert len(speech_spans(audio)) == 1
    audio[USER_RATE : USER_RATE + USER_RATE // 2] = 0  # a 0.5 s pause
    assert len(speech_spans(audio)) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\nspeakers: {a: {}}\nturns: [{speaker: b, say: hi}]\n",
            "turns name speakers ['b'] that `speakers` does not define",
        ),
        (
            "name: x\nspeakers: {a: {engine: festival}}\nturns: [{speaker: a, say: hi}]\n",
            "field 'speakers.a.engine'",
        ),
        ("name: 'has space'\nspeakers: {a: {}}\nturns: [{speaker: a, say: hi}]\n", "field 'name'"),
    ],
)
def test_a_bad_conversation_file_is_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VoiceConfigError) as caught:
        load_conversation(path)
    assert str(caught.value).startswith(f"{path}: ") and expected in str(caught.value)


def test_the_bundled_conversations_are_valid() -> None:
    from voice.diarization import BUNDLED

    specs = [load_conversation(path) for path in sorted(BUNDLED.glob("*.yaml"))]
    assert [spec.name for spec in specs] == [
        "four_speakers", "overlaps", "three_speakers", "two_speakers",
    ]  # fmt: skip
    assert {len(spec.speakers) for spec in specs} == {2, 3, 4}
    assert any(turn.gap_s < 0 for spec in specs for turn in spec.turns)  # overlaps exist
    assert any(v.pitch_semitones for spec in specs for v in spec.speakers.values())


def test_a_missing_tool_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from voice import VoiceError

    monkeypatch.setattr(shutil, "which", lambda tool: None)
    with pytest.raises(
        VoiceError, match=r"espeak-ng is not installed .*fix: apt-get install espeak-ng"
    ):
        speak("hello", VoiceSpec(engine="espeak-ng"))
