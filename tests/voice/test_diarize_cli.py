"""`experiment voice diarize` through typer's CliRunner: one-line errors before any work, and a
report from a (stubbed) diarization run. The real pipelines run in test_diarization_slow.py."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from voice._audio import write_wav
from voice.cli import voice_app
from voice.diarization import DiarizationResult, DiarizeConfig, Recording, SpeakerTurn, _run
from voice.diarization._score import pool, score_recordings

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    t = np.arange(32_000) / 16_000
    return write_wav(
        tmp_path / "talk.wav", (np.sin(2 * np.pi * 200 * t) * 8000).astype(np.int16), 16_000
    )


@pytest.fixture
def rttm(tmp_path: Path) -> Path:
    path = tmp_path / "talk.rttm"
    path.write_text(
        "SPEAKER talk 1 0.0 1.0 <NA> <NA> A <NA> <NA>\n"
        "SPEAKER talk 1 1.0 1.0 <NA> <NA> B <NA> <NA>\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """run_diarization answers every recording with one hypothesis (no model)."""
    calls: list[list[str]] = []

    def fake(
        inputs: Sequence[_run.Input], config: DiarizeConfig, *, speakers: int | None = None
    ) -> DiarizationResult:
        calls.append([i.name for i in inputs])
        hypothesis = [
            SpeakerTurn(speaker="x", start=0.0, end=1.2),
            SpeakerTurn(speaker="y", start=1.2, end=2.0),
        ]
        recordings = [
            Recording(
                name=i.name,
                duration_s=2.0,
                source=i.source,
                reference=i.reference,
                hypotheses={"offline-ahc": hypothesis},
            )
            for i in inputs
        ]
        references = {r.name: r.reference for r in recordings if r.reference}
        scores = score_recordings(references, {r.name: r.hypotheses for r in recordings})
        return DiarizationResult(
            recordings=recordings, scores=scores, pooled=pool(scores), headline=["offline-ahc"]
        )

    monkeypatch.setattr(_run, "run_diarization", fake)
    return calls


def test_diarize_writes_the_report_and_prints_the_der(
    stub: list[list[str]], wav: Path, rttm: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(voice_app, ["diarize", str(wav), "--rttm", str(rttm), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert stub == [["talk"]]
    # B's first 0.2 s given to A's cluster: 0.2 s of confusion over 2 s.
    assert "offline-ahc: DER 10.0 % (JER" in result.output
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.index("Read this first") < report.index("## DER and JER")
    assert "| offline-ahc | none | 10.0 % |" in report
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (out / "timeline.png").read_bytes().startswith(PNG)
    assert (out / "rttm" / "offline-ahc.rttm").read_text().startswith("SPEAKER talk 1 0.000 1.200")
    assert (out / "rttm" / "reference.rttm").is_file()


def test_without_a_reference_nothing_is_scored(
    stub: list[list[str]], wav: Path, tmp_path: Path
) -> None:
    result = runner.invoke(voice_app, ["diarize", str(wav), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "no reference given: not scored (pass --rttm)" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["missing.wav"], "missing.wav: no such file; fix: pass a WAV or a conversation YAML"),
        (["WAV", "--rttm", "BAD"], "line 1: 3 fields, expected 10"),
        (["WAV", "--rttm", "OTHER"], "no file id matches talk; fix: name each SPEAKER line's file"),
        (["WAV", "--config", "CONFIG"], "field 'ahc_threshold': Input should be less than 1"),
        (["WAV", "--speakers", "0"], "--speakers 0: fix: give a number of speakers >= 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_work(
    stub: list[list[str]], wav: Path, rttm: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    (tmp_path / "bad.rttm").write_text("SPEAKER talk 1\n", encoding="utf-8")
    # Two recordings, neither of them talk.wav (with a single one, its id would not matter).
    other = rttm.read_text().replace(" talk ", " other ") + rttm.read_text().replace(
        " talk ", " more "
    )
    (tmp_path / "other.rttm").write_text(other, encoding="utf-8")
    (tmp_path / "config.yaml").write_text("ahc_threshold: 2\n", encoding="utf-8")
    paths = {
        "WAV": wav,
        "BAD": tmp_path / "bad.rttm",
        "OTHER": tmp_path / "other.rttm",
        "CONFIG": tmp_path / "config.yaml",
    }
    argv = ["diarize", *[str(paths.get(a, a)) for a in args], "--out", str(tmp_path / "out")]
    result = runner.invoke(voice_app, argv)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert stub == [] and not (tmp_path / "out").exists()
