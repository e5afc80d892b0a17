"""`experiment voice bench|simulate` through typer's CliRunner, with a fake pipeline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.voice.sim_fixtures import run
from voice import BenchResult, ConversationRun, _bench
from voice._types import Design, TurnTakingResult
from voice.cli import voice_app

runner = CliRunner()


class FakePipeline:
    """Returns hand-built runs and records what the bench asked for."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def run_conversation(self, script: Path, design: Design, **kwargs: Any) -> ConversationRun:
        self.calls.append({"script": script, "design": design, **kwargs})
        return run(design)

    def measure_turn_taking(self, script: Path, *, out_dir: Path) -> TurnTakingResult:
        self.calls.append({"script": script, "turn_taking": True, "out_dir": out_dir})
        return TurnTakingResult(
            utterances=4,
            false_end_of_turn_without_smart_turn=2,
            false_end_of_turn_with_smart_turn=0,
        )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakePipeline:
    pipeline = FakePipeline()
    driver = _bench.Pipeline(pipeline.run_conversation, pipeline.measure_turn_taking)
    monkeypatch.setattr(_bench, "pipeline", lambda: driver)
    return pipeline


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "five.yaml").write_text("turns: []\n", encoding="utf-8")
    (tmp_path / "pauses.yaml").write_text("utterances: []\n", encoding="utf-8")
    path = tmp_path / "bench.yaml"
    path.write_text(
        f"conversation: {tmp_path / 'five.yaml'}\nturn_taking: {tmp_path / 'pauses.yaml'}\n"
        "samples: 2000\nseed: 3\n",
        encoding="utf-8",
    )
    return path


def test_bench_runs_each_design_and_writes_the_report(
    fake: FakePipeline, config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["bench", "--config", str(config), "--llm", "mock/voice", "--out", str(out)]
    result = runner.invoke(voice_app, [*args, "--designs", "streaming,non_streaming"])
    assert result.exit_code == 0, result.output
    designs = [call["design"] for call in fake.calls if "design" in call]
    assert designs == ["streaming", "non_streaming"]
    assert all(c["llm"] == "mock/voice" for c in fake.calls if "design" in c)
    assert fake.calls[-1]["script"] == tmp_path / "pauses.yaml"
    assert "streaming / non-streaming p50: 0.43" in result.output
    assert "simulator, streaming:" in result.output and "within 20 %" in result.output
    bench = BenchResult.model_validate_json((out / "bench.json").read_text())
    assert bench.turn_taking is not None and bench.turn_taking.utterances == 4
    assert (out / "report.md").is_file() and (out / "timeline.png").is_file()


def test_bench_without_the_bundled_conversation_says_how_to_fix(
    fake: FakePipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_bench, "DEFAULT_CONVERSATION", tmp_path / "missing.yaml")
    result = runner.invoke(voice_app, ["bench", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "missing.yaml: no such conversation file; fix: set `conversation:`" in result.output
    assert fake.calls == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("colour: blue\n", "field 'colour': Extra inputs are not permitted; fix: remove it"),
        ("samples: -1\n", "field 'samples': Input should be greater than 0; fix: correct"),
        ("designs: [fast]\n", "field 'designs.0': Input should be 'non_streaming'"),
        ("samples: [\n", "line 2, column 1: invalid YAML (expected the node content"),
    ],
)
def test_bad_config_is_one_line_naming_file_and_field(
    fake: FakePipeline, tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bench.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(voice_app, ["bench", "--config", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ")
    assert expected in lines[0]
    assert fake.calls == []


def test_bad_designs_option_names_the_fix(fake: FakePipeline) -> None:
    result = runner.invoke(voice_app, ["simulate", "--designs", "streaming,fastest"])
    assert result.exit_code == 2
    assert "--designs: unknown design(s) ['fastest']; fix: use non_streaming" in result.output


def test_simulate_prints_the_design_table() -> None:
    result = runner.invoke(voice_app, ["simulate", "--designs", "streaming"])
    assert result.exit_code == 0, result.output
    assert "| profile | design | p50 | p95 | < 400 ms | < 800 ms |" in result.output
    assert "elevenlabs-flash-v2.5" in result.output and "not measurements" in result.output
    assert "non_streaming" not in result.output and "preemptive" not in result.output


def test_simulate_uses_a_bench_as_the_local_components(tmp_path: Path) -> None:
    bench = BenchResult(runs=[run("streaming")])
    path = tmp_path / "bench.json"
    path.write_text(bench.model_dump_json(), encoding="utf-8")
    result = runner.invoke(voice_app, ["simulate", "--measured", str(path)])
    assert result.exit_code == 0, result.output
    # The measured streaming run: about 1.04 s; no non-streaming run, so no local row for it.
    row = next(
        line for line in result.output.splitlines() if "local (measured) | streaming" in line
    )
    assert "| 10" in row
    assert "local (measured) | non_streaming" not in result.output


def test_importing_the_cli_imports_nothing_heavy() -> None:
    code = (
        "import sys; import voice.cli\n"
        "heavy = [m for m in ('pydantic', 'numpy', 'yaml', 'matplotlib', 'pipecat', 'torch')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("HEAVY []")


def test_a_missing_speaker_conversation_fails_before_any_run(
    fake: FakePipeline, tmp_path: Path
) -> None:
    path = tmp_path / "bench.yaml"
    path.write_text(f"speaker_conversation: {tmp_path / 'nobody.yaml'}\n", encoding="utf-8")
    result = runner.invoke(
        voice_app, ["bench", "--config", str(path), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert (
        "nobody.yaml: no such conversation file; fix: set `speaker_conversation:`" in result.output
    )
    assert fake.calls == []


def test_the_bench_reports_diarization_and_the_speaker_loop(
    monkeypatch: pytest.MonkeyPatch, config: Path, tmp_path: Path
) -> None:
    from voice.diarization import DiarizationResult, Recording, SpeakerLoopResult, SpeakerTurn
    from voice.diarization._types import SpeakerTurnCheck

    pipeline = FakePipeline()
    reference = [SpeakerTurn(speaker="A", start=0, end=2)]
    diarized = DiarizationResult(
        recordings=[Recording(name="r", duration_s=2, source="x", reference=reference)]
    )
    loop = SpeakerLoopResult(
        conversation="two_speakers",
        turns=[SpeakerTurnCheck(index=0, speaker="joe", label="Speaker 1", correct=True,
                                llm_text="Speaker 1: Hello.")],
        labels=[], accuracy=1.0, added_p50_s=0.0001, added_p95_s=0.0002, embed_p50_s=0.07,
    )  # fmt: skip
    asked: list[str] = []

    def diarize(*, out_dir: Path) -> DiarizationResult:
        asked.append("diarize")
        return diarized

    def speakers(script: Path, **kwargs: Any) -> SpeakerLoopResult:
        asked.append(script.name)
        return loop

    driver = _bench.Pipeline(
        pipeline.run_conversation, pipeline.measure_turn_taking, diarize, speakers
    )
    monkeypatch.setattr(_bench, "pipeline", lambda: driver)
    out = tmp_path / "out"
    result = runner.invoke(voice_app, ["bench", "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert asked == ["diarize", "two_speakers.yaml"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.index("Read this first") < report.index("## Voice-to-voice")
    assert (
        "## Diarization" in report
        and "Speaker tag accuracy (best one-to-one mapping): **100.0 %**" in report
    )
    assert "| 0 | joe | Speaker 1 | yes | Speaker 1: Hello. |" in report
    assert "## End-to-end vs cascade" in report
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bench = BenchResult.model_validate_json((out / "bench.json").read_text())
    assert bench.speaker_loop == loop and bench.diarization == diarized
