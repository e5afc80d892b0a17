"""RTTM files in and out: strict reading with one-line errors, exact round trips, overlap time."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.diarization import RttmError, SpeakerTurn, read_rttm, write_rttm
from voice.diarization._rttm import overlap_seconds


def test_write_then_read_gives_the_same_turns(tmp_path: Path) -> None:
    turns = {
        "one": [
            SpeakerTurn(speaker="A", start=0.5, end=2.25),
            SpeakerTurn(speaker="B", start=2.0, end=3.0),
        ],
        "two": [SpeakerTurn(speaker="spk0", start=1.0, end=1.5)],
    }
    path = write_rttm(tmp_path / "out" / "all.rttm", turns)
    assert path.read_text().splitlines()[0] == "SPEAKER one 1 0.500 1.750 <NA> <NA> A <NA> <NA>"
    assert read_rttm(path) == turns


def test_comments_and_other_record_types_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "ref.rttm"
    path.write_text(
        ";; comment\nSPKR-INFO x 1 <NA> <NA> <NA> unknown A <NA> <NA>\n"
        "SPEAKER x 1 1 2 <NA> <NA> A <NA> <NA>\n\n",
        encoding="utf-8",
    )
    assert read_rttm(path) == {"x": [SpeakerTurn(speaker="A", start=1, end=3)]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SPEAKER x 1 abc 1 <NA> <NA> A <NA> <NA>\n", "line 1: onset and duration must be seconds"),
        ("SPEAKER x 1 1\n", "line 1: 4 fields, expected 10; fix: SPEAKER <file> 1 <onset>"),
        ("SPEAKER x 1 -1 1 <NA> <NA> A <NA> <NA>\n", "line 1: negative onset or duration"),
        (";; nothing\n", "no SPEAKER line; fix: write one line per speaker turn"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_line_and_the_fix(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bad.rttm"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RttmError) as caught:
        read_rttm(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message


def test_overlap_counts_time_with_two_or_more_speakers() -> None:
    turns = [
        SpeakerTurn(speaker="A", start=0, end=10),
        SpeakerTurn(speaker="B", start=8, end=12),
        SpeakerTurn(speaker="C", start=9, end=9.5),
        SpeakerTurn(speaker="A", start=20, end=21),
    ]
    assert overlap_seconds(turns) == pytest.approx(2.0)
    assert overlap_seconds(turns[:1]) == 0.0
