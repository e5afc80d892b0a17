"""Scoring is pyannote.metrics' own: a hand-made RTTM pair gives the DER its documentation gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.diarization import SpeakerTurn, read_rttm, score_pair
from voice.diarization._score import pool, score_recordings

pytest.importorskip("pyannote.metrics")

# pyannote.metrics' tutorial example, written as two RTTM files by hand.
REFERENCE_RTTM = """\
SPEAKER tutorial 1 0.000 10.000 <NA> <NA> A <NA> <NA>
SPEAKER tutorial 1 12.000 8.000 <NA> <NA> B <NA> <NA>
SPEAKER tutorial 1 24.000 3.000 <NA> <NA> A <NA> <NA>
SPEAKER tutorial 1 30.000 10.000 <NA> <NA> C <NA> <NA>
"""
HYPOTHESIS_RTTM = """\
;; a hypothesis with its own speaker names
SPEAKER tutorial 1 2.000 11.000 <NA> <NA> a <NA> <NA>
SPEAKER tutorial 1 13.000 1.000 <NA> <NA> d <NA> <NA>
SPEAKER tutorial 1 14.000 6.000 <NA> <NA> b <NA> <NA>
SPEAKER tutorial 1 22.000 16.000 <NA> <NA> c <NA> <NA>
SPEAKER tutorial 1 38.000 2.000 <NA> <NA> d <NA> <NA>
"""


def turns(text: str, tmp_path: Path, name: str) -> list[SpeakerTurn]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_rttm(path)["tutorial"]


def test_the_documented_example_scores_the_documented_der(tmp_path: Path) -> None:
    """pyannote.metrics' tutorial (doc/source/tutorial.rst, "metric(reference, hypothesis)" ->
    0.516) and its test suite (tests/test_diarization.py, test_error_rate and test_detailed:
    0.5161290322580645 = (7 false alarm + 2 missed + 7 confusion) / 31 s of reference speech),
    pyannote-metrics 4.x, on the same reference and hypothesis read from RTTM files here."""
    parts = score_pair(
        turns(REFERENCE_RTTM, tmp_path, "ref.rttm"), turns(HYPOTHESIS_RTTM, tmp_path, "hyp.rttm")
    )
    assert parts.der == pytest.approx(0.5161290322580645, abs=1e-7)
    assert round(parts.der, 3) == 0.516
    assert parts.false_alarm_s == pytest.approx(7.0)
    assert parts.missed_s == pytest.approx(2.0)
    assert parts.confusion_s == pytest.approx(7.0)
    assert parts.total_s == pytest.approx(31.0)


def test_jer_follows_the_dihard_definition_on_the_same_pair(tmp_path: Path) -> None:
    """JER by hand (DIHARD II plan, as pyannote's docstring quotes it), mapping a->A, b->B, c->C:
    A: union 16 s, FA 3 + miss 5 -> 0.5; B: union 8 s, miss 2 -> 0.25; C: union 18 s, FA 8 +
    miss 2 -> 10/18; JER = mean = 0.4352."""
    parts = score_pair(
        turns(REFERENCE_RTTM, tmp_path, "ref.rttm"), turns(HYPOTHESIS_RTTM, tmp_path, "hyp.rttm")
    )
    assert parts.jer == pytest.approx((0.5 + 0.25 + 10 / 18) / 3)
    assert parts.jer_speakers == 3


def test_the_collar_forgives_boundary_shifts_only() -> None:
    reference = [
        SpeakerTurn(speaker="A", start=0, end=10),
        SpeakerTurn(speaker="B", start=10, end=20),
    ]
    late = [
        SpeakerTurn(speaker="x", start=0, end=10.2),
        SpeakerTurn(speaker="y", start=10.2, end=20),
    ]
    assert score_pair(reference, late).der == pytest.approx(0.2 / 20)
    # pyannote's collar is the total width: 0.5 removes ±0.25 s around each reference boundary.
    assert score_pair(reference, late, collar_s=0.5).der == pytest.approx(0.0)
    swapped = [SpeakerTurn(speaker="x", start=0, end=20)]
    assert score_pair(reference, swapped, collar_s=0.5).confusion_s > 9


def test_the_whole_recording_is_scored_when_its_length_is_known() -> None:
    reference = [SpeakerTurn(speaker="A", start=1, end=2)]
    stray = [SpeakerTurn(speaker="x", start=1, end=2), SpeakerTurn(speaker="x", start=8, end=9)]
    assert score_pair(reference, stray, duration_s=10).false_alarm_s == pytest.approx(1.0)


def test_pooling_sums_the_parts_and_bootstraps_over_recordings() -> None:
    reference = {
        "one": [SpeakerTurn(speaker="A", start=0, end=10)],
        "two": [SpeakerTurn(speaker="A", start=0, end=30)],
    }
    hypotheses = {
        "one": {"p": [SpeakerTurn(speaker="x", start=0, end=5)]},  # 5 s missed of 10
        "two": {"p": [SpeakerTurn(speaker="x", start=0, end=30)]},  # perfect
    }
    scores = score_recordings(reference, hypotheses, collars_s=(0.0,))
    [pooled] = pool(scores)
    assert pooled.der.value == pytest.approx(5 / 40)  # not the mean of 0.5 and 0.0
    assert pooled.missed == pytest.approx(5 / 40) and pooled.confusion == 0
    assert pooled.der.n == 2 and pooled.der.low is not None and pooled.der.high is not None
    assert 0.0 <= pooled.der.low <= pooled.der.value <= pooled.der.high <= 0.5
    single = pool([s for s in scores if s.conversation == "one"])[0]
    assert single.der.low is None and single.der.value == pytest.approx(0.5)
