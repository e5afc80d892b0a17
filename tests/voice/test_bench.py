"""`experiment voice bench` end to end (slow, real time): every design on the 5-turn conversation
with 2 barge-ins through the embedded model, the paused utterances with and without Smart Turn,
and the report a user reads. The bench's headline numbers are printed into the test log."""

from __future__ import annotations

import pytest

from tests.voice.pipeline_support import LOCAL_MODULES, VOICE_MODULES, require, word_recall

require(*VOICE_MODULES, *LOCAL_MODULES)

from voice import DESIGNS, BenchResult  # noqa: E402
from voice._bench import DEFAULT_CONVERSATION, run_bench  # noqa: E402
from voice._config import BenchConfig  # noqa: E402
from voice._observer import stages_in_order  # noqa: E402
from voice._report import ReportPaths  # noqa: E402
from voice._script import load_script  # noqa: E402
from voice._types import VOICE_TO_VOICE, ConversationRun  # noqa: E402

pytestmark = pytest.mark.slow

INTERRUPTED = (1, 3)  # the replies the script's barge-ins cut
UTTERANCES = len(load_script(DEFAULT_CONVERSATION).utterances)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[BenchResult, ReportPaths]:
    out = tmp_path_factory.mktemp("bench")
    result, paths = run_bench(BenchConfig(llm="local/gemma-3-270m"), out)
    return result, paths


@pytest.fixture(scope="module", params=DESIGNS)
def run(request: pytest.FixtureRequest, bench: tuple[BenchResult, ReportPaths]) -> ConversationRun:
    [found] = [r for r in bench[0].runs if r.design == request.param]
    return found


def test_the_embedded_model_hears_and_answers_every_turn(run: ConversationRun) -> None:
    # A turn detector may end a turn at a comma's pause: that utterance then spans two user
    # turns (a false end of turn, as a listener would hear it), and the run says so.
    indexes = [t.index for t in run.turns]
    assert sorted(set(indexes)) == list(range(UTTERANCES))
    for index in {i for i in indexes if indexes.count(i) > 1}:
        assert f"utterance {index} was split into {indexes.count(index)} user turns" in run.notes
    for index in range(UTTERANCES):
        turns = [t for t in run.turns if t.index == index]
        heard = " ".join(t.transcript or "" for t in turns)
        assert word_recall(turns[0].user_text, heard) >= 0.75, turns
    for turn in run.turns:
        if "playback_start" in turn.events:
            assert turn.reply
    answered = [t for t in run.turns if "playback_start" in t.events]
    assert len(answered) >= UTTERANCES - 1, "the embedded model answers (nearly) every turn"
    assert run.models["llm"] == "local/gemma-3-270m"


def test_every_timeline_is_in_causal_order(run: ConversationRun) -> None:
    for turn in run.turns:
        if "playback_start" in turn.events:
            stages = dict(turn.events)
            if run.design == "preemptive":  # the LLM may answer before the turn has ended
                stages.pop("llm_first_token", None)
            assert stages_in_order(stages), (run.design, turn.index, turn.events)
            assert turn.voice_to_voice_s is not None and turn.voice_to_voice_s > 0


def test_both_barge_ins_stop_the_bot_and_drop_its_queued_audio(run: ConversationRun) -> None:
    assert [b.turn for b in run.barge_ins] == list(INTERRUPTED)
    for barge_in in run.barge_ins:
        assert barge_in.tts_cleared and barge_in.bot_audio_stopped is not None
        assert barge_in.stop_time_s is not None and barge_in.stop_time_s > 0


def test_smart_turn_and_silence_alone_are_both_measured(
    bench: tuple[BenchResult, ReportPaths],
) -> None:
    taking = bench[0].turn_taking
    assert taking is not None and taking.utterances == 6
    # Every pause is longer than VAD stop (0.2 s) + 0.6 s of silence: a silence-only detector
    # must end the turn in each of them.
    assert taking.false_end_of_turn_without_smart_turn == taking.utterances
    assert 0 <= taking.false_end_of_turn_with_smart_turn <= taking.utterances


def test_the_report_holds_what_the_bench_measured(
    bench: tuple[BenchResult, ReportPaths], capsys: pytest.CaptureFixture[str]
) -> None:
    result, paths = bench
    report = paths.markdown.read_text()
    for design in DESIGNS:
        stats = {s.stage: s for s in result.stats[design]}
        assert stats[VOICE_TO_VOICE].n >= UTTERANCES - 1
        assert stats[VOICE_TO_VOICE].p50_s is not None and stats[VOICE_TO_VOICE].p95_s is not None
        assert f"| {design} |" in report
    ratio = result.streaming_vs_non_streaming_p50_ratio
    assert ratio is not None and f"**{ratio:.2f}**" in report
    assert {c.design for c in result.simulator_check} == set(DESIGNS)
    assert "Stop time (user speech start → bot audio stopped)" in report
    for png in (paths.timeline_png, paths.designs_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with capsys.disabled():  # the headline numbers, for whoever reads the CI log
        print(f"\nvoice bench: streaming / non-streaming voice-to-voice p50 = {ratio:.2f}")
        for check in result.simulator_check:
            print(
                f"voice bench: simulator, {check.design}: predicted p50 "
                f"{check.predicted_p50_s * 1000:.0f} ms, measured {check.measured_p50_s * 1000:.0f}"
                f" ms, {check.relative_error:.0%} off (within 20 %: {check.within_20_percent})"
            )
        stops = [b.stop_time_s for r in result.runs for b in r.barge_ins if b.stop_time_s]
        print(f"voice bench: barge-in stop times (ms): {[round(s * 1000) for s in stops]}")


def test_the_bench_diarizes_and_tags_speakers(
    bench: tuple[BenchResult, ReportPaths], capsys: pytest.CaptureFixture[str]
) -> None:
    result, paths = bench
    diarized, loop = result.diarization, result.speaker_loop
    assert diarized is not None and len(diarized.recordings) == 4 and diarized.curve
    assert loop is not None and loop.accuracy is not None and loop.accuracy >= 5 / 6
    assert all(t.llm_text and t.llm_text.startswith("Speaker ") for t in loop.turns if t.llm_text)
    report = paths.markdown.read_text(encoding="utf-8")
    assert "## Diarization" in report and "### Speaker-tagged live loop" in report
    assert (paths.markdown.parent / "diarization" / "timeline.png").is_file()
    assert "## End-to-end vs cascade" in report
    local = next(r for r in result.end_to_end if r.design.startswith("cascade, local"))
    assert local.p50_s is not None and local.latency_basis.startswith("measured here")
    assert paths.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with capsys.disabled():
        print(
            f"\nvoice bench: speaker loop ({result.runs[0].models['llm']}): accuracy "
            f"{loop.accuracy:.2f} over {len(loop.turns)} turns, tag wait p95 "
            f"{(loop.added_p95_s or 0) * 1000:.1f} ms, embedding p50 "
            f"{(loop.embed_p50_s or 0) * 1000:.0f} ms, voice-to-voice p50 "
            f"{(loop.voice_to_voice_p50_s or 0) * 1000:.0f} ms"
        )
        for row in result.end_to_end:
            p50 = "n/a" if row.p50_s is None else f"{row.p50_s * 1000:.0f} ms"
            cost = "n/a" if row.usd_per_minute is None else f"${row.usd_per_minute:.4f}/min"
            print(f"voice bench: {row.design}: voice-to-voice p50 {p50}, {cost}")
