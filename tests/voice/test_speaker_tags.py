"""Checking the live loop's speaker tags against the script, on hand-built runs (the real loop runs
in the slow tier, test_diarization_slow.py and the bench)."""

from __future__ import annotations

import pytest

from voice import ConversationRun, Script
from voice._types import TurnTimeline
from voice.diarization import SpeakerLabel

pytest.importorskip("pipecat")
pytest.importorskip("scipy")

from voice.diarization._loop import (
    Spoken,
    best_mapping,
    check_speakers,
    same_words_key,
)

PLAYED = [Spoken(0, 1.0, 2.2), Spoken(1, 5.0, 6.2), Spoken(2, 9.0, 10.2)]

SCRIPT = Script.model_validate(
    {
        "name": "two",
        "voices": {"joe": {"engine": "piper"}, "ana": {"engine": "espeak-ng"}},
        "utterances": [
            {"speaker": "joe", "say": "Hello there."},
            {"speaker": "ana", "say": "Hi, I am Ana."},
            {"speaker": "joe", "say": "What now?"},
        ],
    }
)


def turn(index: int, start: float, text: str) -> TurnTimeline:
    return TurnTimeline(
        index=index,
        user_text=text,
        transcript=text,
        user_speech_start=start,
        events={"vad_stop": start + 1.2},
        voice_to_voice_s=0.8 + index / 10,
    )


def label(segment: int, start: float, tag: str, waited: float) -> SpeakerLabel:
    return SpeakerLabel(
        segment=segment, start=start, end=start + 1.0, label=tag, similarity=0.9,
        embed_s=0.05, waited_s=waited,
    )  # fmt: skip


def run(tags: list[str]) -> ConversationRun:
    return ConversationRun(
        design="streaming",
        conversation="two",
        turns=[
            turn(0, 1.0, "Hello there."),
            turn(1, 5.0, "Hi, I am Ana."),
            turn(2, 9.0, "What now?"),
        ],
        speaker_labels=[
            label(i, start, tag, waited=0.01 * i)
            for i, (start, tag) in enumerate(zip((1.1, 5.1, 9.1), tags, strict=True))
        ],
        llm_inputs=[
            f"{tags[0]}: Hello there.",
            f"{tags[1]}: Hi, I am Ana.",
            f"{tags[2]}: What now?",
        ],
    )


def test_consistent_tags_are_right_whatever_their_numbers() -> None:
    result = check_speakers(SCRIPT, run(["Speaker 2", "Speaker 1", "Speaker 2"]), PLAYED)
    assert result.accuracy == 1.0
    assert [t.label for t in result.turns] == ["Speaker 2", "Speaker 1", "Speaker 2"]
    assert result.turns[1].llm_text == "Speaker 1: Hi, I am Ana."
    assert result.added_p50_s == pytest.approx(0.01) and result.embed_p50_s == pytest.approx(0.05)
    assert result.voice_to_voice_p50_s == pytest.approx(0.9)


def test_a_wrong_tag_counts_against_the_best_mapping() -> None:
    result = check_speakers(SCRIPT, run(["Speaker 1", "Speaker 1", "Speaker 1"]), PLAYED)
    # One tag for everybody: it maps to joe (2 turns), Ana's turn is wrong.
    assert result.accuracy == pytest.approx(2 / 3)
    assert [t.correct for t in result.turns] == [True, False, True]


def test_an_utterance_merged_into_the_previous_turn_is_checked_by_its_own_segment() -> None:
    merged = run(["Speaker 1", "Speaker 2", "Speaker 1"]).model_copy(
        update={
            "turns": [turn(0, 1.0, "Hello there."), turn(1, 5.0, "Hi, I am Ana. What now?")],
            "llm_inputs": [
                "Speaker 1: Hello there.",
                "Speaker 2: Hi, I am Ana. Speaker 1: What now?",
            ],
        }
    )
    result = check_speakers(SCRIPT, merged, PLAYED)
    assert result.accuracy == 1.0 and len(result.turns) == 3
    assert result.turns[2].llm_text == "Speaker 2: Hi, I am Ana. Speaker 1: What now?"


def test_the_mapping_is_one_to_one() -> None:
    pairs = [("t1", "a"), ("t1", "a"), ("t1", "b"), ("t2", "b"), (None, "a")]
    assert best_mapping(pairs) == {"t1": "a", "t2": "b"}
    assert best_mapping([]) == {}


def test_tags_are_ignored_when_matching_words() -> None:
    assert same_words_key("Speaker 2: Hi, I am Ana.") == same_words_key("hi i am ana")


@pytest.mark.parametrize(
    ("utterance", "voices", "expected"),
    [
        ({"speaker": "bob", "say": "hi"}, {}, "speaker 'bob' has no entry in `voices`"),
        (
            {"speaker": "ana", "say": "wait | for it"},
            {"ana": {"engine": "espeak-ng"}},
            "pauses ('|') need the piper voice, not espeak-ng",
        ),
    ],
)
def test_a_script_names_a_voice_for_every_speaker(
    utterance: dict[str, str], voices: dict[str, dict[str, str]], expected: str
) -> None:
    with pytest.raises(
        ValueError, match=expected.replace("(", r"\(").replace(")", r"\)").replace("|", r"\|")
    ):
        Script.model_validate({"name": "x", "voices": voices, "utterances": [utterance]})
