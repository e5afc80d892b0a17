"""The scripted conversations: the bundled ones load and say what the measurements need."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice import Script, VoiceError, load_script

CONVERSATIONS = Path(__file__).parents[2] / "voice" / "conversations"


def test_the_bundled_conversation_has_five_turns_and_two_barge_ins() -> None:
    script = load_script(CONVERSATIONS / "five_turns.yaml")
    assert len(script.utterances) == 5
    assert [u.barge_in_after_s is not None for u in script.utterances].count(True) == 2
    assert all(u.pauses == 0 for u in script.utterances)


def test_every_bundled_turn_taking_utterance_pauses_mid_sentence() -> None:
    script = load_script(CONVERSATIONS / "pauses.yaml")
    assert len(script.utterances) >= 5
    assert all(u.pauses == 1 for u in script.utterances)
    # The gap must outlast Smart Turn's 3 s silence timeout, or utterances would run together.
    assert script.gap_s > 3.0


def test_pause_marks_are_not_part_of_the_words() -> None:
    script = Script.model_validate({"name": "x", "utterances": [{"say": "Call me at | noon."}]})
    assert script.utterances[0].text == "Call me at noon."


def test_a_bad_script_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nutterances:\n  - say: hi\n    barge_in_after_s: 0.5\n")
    with pytest.raises(VoiceError, match=r"bad\.yaml: field utterances"):
        load_script(path)
    path.write_text("name: x\nutterances: []\n")
    with pytest.raises(VoiceError, match="utterances"):
        load_script(path)
