"""Diarization for real (slow): the bundled conversations synthesized with piper, espeak-ng and
sox, every pipeline on Resemblyzer's bundled encoder, scored by pyannote.metrics; and the live
loop with speaker tags, two synthetic voices talking to the bot (a scripted LLM, a test double,
so that what the LLM was sent can be checked). The headline numbers go into the test log."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.voice.pipeline_support import VOICE_MODULES, require

require(*VOICE_MODULES, "resemblyzer", "pyannote.metrics", "sklearn", "librosa")

from agents.models import Message, MockModel, ToolSpec  # noqa: E402
from voice._bench import DEFAULT_SPEAKERS  # noqa: E402
from voice.diarization import DiarizationResult, load_inputs  # noqa: E402
from voice.diarization._config import DiarizeConfig  # noqa: E402
from voice.diarization._report import write_diarization_report  # noqa: E402
from voice.diarization._run import run_diarization  # noqa: E402
from voice.diarization._types import Pooled  # noqa: E402

pytestmark = pytest.mark.slow

for tool in ("espeak-ng", "sox"):
    if shutil.which(tool) is None:
        reason = f"{tool} is not installed (apt-get install {tool}, or scripts/setup)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def diarized(tmp_path_factory: pytest.TempPathFactory) -> DiarizationResult:
    os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may reach a hub
    inputs = load_inputs([], None, tmp_path_factory.mktemp("cache"))
    return run_diarization(inputs, DiarizeConfig())


def pooled(result: DiarizationResult, pipeline: str, collar_s: float = 0.0) -> Pooled:
    return next(p for p in result.pooled if p.pipeline == pipeline and p.collar_s == collar_s)


def test_every_pipeline_diarizes_every_bundled_conversation(diarized: DiarizationResult) -> None:
    assert len(diarized.recordings) == 4
    for recording in diarized.recordings:
        assert recording.reference and recording.duration_s > 20
        for name in diarized.headline:
            assert recording.hypotheses[name], (recording.name, name)
    offline = [s for s in diarized.scores if s.pipeline == "offline-spectral" and s.collar_s == 0]
    right = sum(s.hypothesis_speakers == s.reference_speakers for s in offline)
    assert right >= 3, "the eigengap finds the number of speakers in most conversations"
    for score in offline:
        assert score.parts.der < 0.3, score


def test_overlapped_speech_is_missed_speech(diarized: DiarizationResult) -> None:
    overlaps = next(r for r in diarized.recordings if r.name == "overlaps")
    assert overlaps.overlap_s > 1.0
    score = next(
        s for s in diarized.scores
        if s.conversation == "overlaps" and s.pipeline == "offline-ahc" and s.collar_s == 0
    )  # fmt: skip
    # One label per frame: at least the overlapped time is missed (less what VAD lost anyway).
    assert score.parts.missed_s >= 0.8 * overlaps.overlap_s


def test_more_look_ahead_means_fewer_errors_until_the_window_is_covered(
    diarized: DiarizationResult,
) -> None:
    curve = {p.latency_s: p for p in diarized.curve}
    assert sorted(curve) == DiarizeConfig().curve_latencies_s
    assert curve[0.2].der.value > curve[1.6].der.value
    assert curve[0.4].der.value > curve[1.6].der.value
    assert curve[2.4].der.value == pytest.approx(curve[1.6].der.value)  # nothing beyond 1.6 s
    for point in curve.values():
        assert point.label_delay_p95_s >= point.latency_s
        assert point.der.low is not None and point.der.low <= point.der.value


def test_the_report_holds_the_numbers(
    diarized: DiarizationResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = write_diarization_report(diarized, tmp_path / "report", streaming="streaming-1.6s")
    text = paths.markdown.read_text(encoding="utf-8")
    for name in diarized.headline:
        assert f"| {name} | none |" in text
    assert "## Streaming: latency vs DER" in text and paths.curve_png is not None
    assert paths.curve_png.read_bytes()[:4] == b"\x89PNG"
    with capsys.disabled():
        print()
        for name in diarized.headline:
            for collar in (0.0, 0.5):
                p = pooled(diarized, name, collar)
                print(
                    f"diarization: {name} collar {collar:g}: DER {p.der.value:.3f} "
                    f"[{p.der.low:.3f}, {p.der.high:.3f}] (missed {p.missed:.3f}, false alarm "
                    f"{p.false_alarm:.3f}, confusion {p.confusion:.3f}), JER {p.jer.value:.3f}"
                )
        for point in diarized.curve:
            print(
                f"diarization: streaming look-ahead {point.latency_s:g} s: DER "
                f"{point.der.value:.3f} (collar {point.der_collar.value:.3f}), label out after "
                f"{point.label_delay_p95_s * 1000:.0f} ms (p95)"
            )


# --- the live loop with speaker tags ----------------------------------------------------------


def polite(messages: list[Message], tools: list[ToolSpec]) -> dict[str, Any]:
    """The scripted LLM: it answers the speaker named in the last message."""
    last = messages[-1].content
    who = last.split(":", 1)[0] if last.startswith("Speaker ") else "you"
    return {"text": f"Sure, {who}, here is an idea.", "delay_s": 0.1, "chunk_delay_s": 0.03}


def test_two_speakers_keep_who_said_what_in_the_llm_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voice.diarization._loop import run_speaker_loop

    llm = MockModel("speakers", polite)
    result, run = run_speaker_loop(DEFAULT_SPEAKERS, llm=llm, out_dir=tmp_path / "loop")
    assert len(result.turns) >= 6 and result.accuracy is not None and result.accuracy >= 5 / 6
    tags = {
        t.speaker: {u.label for u in result.turns if u.speaker == t.speaker} for t in result.turns
    }
    assert tags["joe"] != tags["ana"]
    # What the LLM was sent: every user message tagged, the whole history in the last request.
    last = llm.requests[-1].messages
    users = [m.content for m in last if m.role == "user"]
    assert len(users) == len(result.turns)
    assert all(text.startswith("Speaker ") for text in users), users
    assert len({text.split(":", 1)[0] for text in users}) == 2
    assert result.added_p95_s is not None and result.added_p95_s >= 0
    assert run.models["speakers"].startswith("Resemblyzer")
    with capsys.disabled():
        print(
            f"\nspeaker loop (scripted LLM): label accuracy {result.accuracy:.2f} over "
            f"{len(result.turns)} turns; transcript held for its tag p50 "
            f"{(result.added_p50_s or 0) * 1000:.1f} ms, "
            f"p95 {(result.added_p95_s or 0) * 1000:.1f} ms; "
            f"embedding p50 {(result.embed_p50_s or 0) * 1000:.0f} ms per segment"
        )
