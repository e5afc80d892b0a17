"""The bench report: its numbers come from the runs, its figures are real PNGs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.voice.sim_fixtures import run, runs
from voice import BenchResult, VendorFile, analyse, load_yaml, write_report
from voice._config import DEFAULT_VENDORS
from voice._report import _interrupted_turn, render_markdown, simulator_table
from voice._types import SimulatedDesign, TurnTakingResult

PNG = b"\x89PNG\r\n\x1a\n"
TURN_TAKING = TurnTakingResult(
    utterances=5, false_end_of_turn_without_smart_turn=3, false_end_of_turn_with_smart_turn=1
)


def result(scale: float = 1.0, **kwargs: object) -> BenchResult:
    vendors = load_yaml(DEFAULT_VENDORS, VendorFile)
    return analyse(runs(scale), TURN_TAKING, vendors, samples=2000, **kwargs)  # type: ignore[arg-type]


def test_write_report_writes_markdown_pngs_and_json(tmp_path: Path) -> None:
    bench = result()
    paths = write_report(bench, tmp_path / "out")
    assert paths.markdown.read_text(encoding="utf-8") == render_markdown(bench)
    for png in (paths.timeline_png, paths.designs_png):
        data = png.read_bytes()
        assert data.startswith(PNG) and data[12:16] == b"IHDR" and len(data) > 10_000
    assert BenchResult.model_validate_json(paths.bench_json.read_text()) == bench


def test_report_numbers_come_from_the_runs() -> None:
    text = render_markdown(result())
    # Voice-to-voice per design: 5 turns of 1.02 s (streaming) / 2.42 s (non-streaming) + jitter.
    assert "| streaming | 5 | 1040 ms | 1058 ms |" in text
    assert "| non_streaming | 5 | 2440 ms | 2458 ms |" in text
    assert "same bench: **0.43**" in text  # 1.04 / 2.44
    # Per stage, per design (non_streaming, streaming, preemptive): the LLM's first token comes
    # 0.3 s (0.2 s preemptive) after the transcript, plus the jitter; the full reply 1.5 s later.
    assert (
        "| llm_first_token | final_transcript → llm_first_token "
        "| 320 ms / 338 ms | 320 ms / 338 ms | 220 ms / 238 ms |"
    ) in text
    assert "| first_sentence | llm_first_token → first_sentence | 1500 ms / 1500 ms |" in text
    # Barge-ins: 0.2 s and 0.4 s in each of the three runs.
    assert "over 6 barge-ins: p50 300 ms, max 400 ms" in text
    assert "| streaming | 1 | 200 ms | yes | yes |" in text
    # Turn-taking: 3 of 5 without Smart Turn, 1 of 5 with.
    assert "| VAD silence only | 3 | 60 % |" in text and "| Smart Turn | 1 | 20 % |" in text


def test_changing_the_runs_changes_the_report() -> None:
    base, slower = render_markdown(result()), render_markdown(result(scale=1.5))
    assert base != slower
    assert "| streaming | 5 | 1550 ms |" in slower  # 1.02 * 1.5 + 0.02
    assert "1040 ms" not in slower


def test_report_has_the_simulator_check_and_the_limits() -> None:
    bench = result()
    text = render_markdown(bench)
    assert bench.simulator_check and all(c.within_20_percent for c in bench.simulator_check)
    for check in bench.simulator_check:
        assert f"- {check.design}: predicted p50 " in text
    assert "local (measured)" in text and "elevenlabs-flash-v2.5" in text
    assert "CPU only" in text and "gemma-3-270m" in text and "not measurements" in text
    assert "llm_start" in text  # the fixture's preemptive run records none: said so


def test_simulator_table_flags_the_thresholds() -> None:
    def sim(p50: float) -> SimulatedDesign:
        return SimulatedDesign(
            design="streaming", profile=f"p{p50}", p50_s=p50, p95_s=p50 * 2,
            fraction_under_400ms=0.5, fraction_under_800ms=0.9,
        )  # fmt: skip

    rows = simulator_table([sim(0.9), sim(0.35), sim(0.6)]).splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == ["| p0.35", "| p0.6", "| p0.9"]
    assert "| yes (50 %) | yes (90 %) |" in rows[0]
    assert "| no (50 %) | yes (90 %) |" in rows[1]
    assert "| no (50 %) | no (90 %) |" in rows[2]


def test_missing_turn_taking_and_barge_ins_are_said() -> None:
    quiet = run("streaming").model_copy(update={"barge_ins": []})
    text = render_markdown(analyse([quiet]))
    assert "No barge-in in these runs." in text and "Not measured in this bench." in text
    assert "same bench: n/a." in text


@pytest.mark.parametrize(("start", "turn"), [(4.0, 0), (14.2, 1), (0.5, None)])
def test_barge_ins_are_drawn_in_the_turn_whose_bot_was_speaking(
    start: float, turn: int | None
) -> None:
    from voice._types import BargeIn

    barge = BargeIn(turn=9, user_speech_start=start, llm_cancelled=True, tts_cleared=True)
    found = _interrupted_turn(barge, run("streaming").turns)
    assert (found.index if found else None) == turn
