"""`experiment voice bench` as a library: run every design, analyse the timelines, report.

run_bench() drives the pipeline (voice._conversation, imported on first use) and analyse() turns
the runs into a BenchResult: per-stage stats, the streaming/non-streaming ratio, the simulator's
predictions (cascades and end-to-end speech models) and their check against the measured local
pipeline, and the end-to-end vs cascade trade-offs. The bench also diarizes the bundled
multi-speaker conversations and runs the speaker-tagged live loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from voice._config import BenchConfig, VendorFile, VoiceConfigError, load_yaml
from voice._report import ReportPaths, write_report
from voice._simulator import (
    end_to_end_profiles,
    local_profile,
    simulate_all,
    validate,
    vendor_profiles,
)
from voice._stats import p50_ratio, stat, stats_by_design
from voice._tradeoffs import trade_offs
from voice._types import (
    DESIGNS,
    VOICE_TO_VOICE,
    BenchResult,
    ConversationRun,
    Design,
    SimulatorCheck,
    StageStats,
    TurnTakingResult,
)
from voice.diarization._types import DiarizationResult, SpeakerLoopResult

CONVERSATIONS = Path(__file__).with_name("conversations")
"""The bundled scripted conversations."""
DEFAULT_CONVERSATION = CONVERSATIONS / "five_turns.yaml"
"""The 5-turn conversation with 2 barge-ins."""
DEFAULT_TURN_TAKING = CONVERSATIONS / "pauses.yaml"
"""Utterances with mid-sentence pauses."""
DEFAULT_SPEAKERS = CONVERSATIONS / "two_speakers.yaml"
"""Two voices talking to the bot, for the speaker-tagged live loop."""

RunConversation = Callable[..., ConversationRun]
"""run_conversation(script, design, *, llm, smart_turn, out_dir) -> ConversationRun."""
MeasureTurnTaking = Callable[..., TurnTakingResult]
"""measure_turn_taking(script, *, out_dir) -> TurnTakingResult."""
Diarize = Callable[..., DiarizationResult]
"""diarize(*, out_dir) -> DiarizationResult (the bundled conversations)."""
SpeakerLoop = Callable[..., SpeakerLoopResult]
"""speaker_loop(script, *, llm, smart_turn, out_dir) -> SpeakerLoopResult."""


class Pipeline(NamedTuple):
    """The entry points the bench drives (None: that part is not run)."""

    run_conversation: RunConversation
    measure_turn_taking: MeasureTurnTaking
    diarize: Diarize | None = None
    speaker_loop: SpeakerLoop | None = None


def pipeline() -> Pipeline:
    """The real pipeline (imports Pipecat and the models: seconds)."""
    from voice._conversation import measure_turn_taking, run_conversation

    return Pipeline(run_conversation, measure_turn_taking, bundled_diarization, speaker_loop)


def bundled_diarization(*, out_dir: Path) -> DiarizationResult:
    """Every pipeline and the latency curve on the bundled conversations; its own report too."""
    from voice.diarization._run import diarize

    result, _ = diarize(out=out_dir)
    return result


def speaker_loop(script: Path, *, llm: str, smart_turn: bool, out_dir: Path) -> SpeakerLoopResult:
    """The speaker-tagged live loop on a multi-speaker script."""
    from voice.diarization._loop import run_speaker_loop

    result, _ = run_speaker_loop(script, llm=llm, smart_turn=smart_turn, out_dir=out_dir)
    return result


def run_bench(
    config: BenchConfig, out_dir: Path, *, driver: Pipeline | None = None
) -> tuple[BenchResult, ReportPaths]:
    """Run each configured design on the conversation, measure turn-taking, write the report."""
    vendors = load_yaml(config.vendors, VendorFile)  # fail on a bad file before the slow part
    script = _existing(config.conversation or DEFAULT_CONVERSATION, "conversation")
    speakers = (
        _existing(config.speaker_conversation or DEFAULT_SPEAKERS, "speaker_conversation")
        if config.speaker_loop
        else None
    )
    driver = driver or pipeline()
    runs = [
        driver.run_conversation(
            script, design, llm=config.llm, smart_turn=config.smart_turn, out_dir=out_dir / design
        )
        for design in config.designs
    ]
    turn_taking = None
    if config.measure_turn_taking:
        pauses = _existing(config.turn_taking or DEFAULT_TURN_TAKING, "turn_taking")
        turn_taking = driver.measure_turn_taking(pauses, out_dir=out_dir / "turn_taking")
    result = analyse(
        runs,
        turn_taking,
        vendors,
        samples=config.samples,
        seed=config.seed,
        tolerance=config.tolerance,
    )
    extras = _diarization_parts(config, driver, out_dir, speakers)
    result = result.model_copy(update=extras)
    return result, write_report(result, out_dir)


def _diarization_parts(
    config: BenchConfig, driver: Pipeline, out_dir: Path, script: Path | None
) -> dict[str, object]:
    """The diarization of the bundled conversations and the speaker-tagged loop, as configured."""
    parts: dict[str, object] = {}
    if config.diarization and driver.diarize is not None:
        parts["diarization"] = driver.diarize(out_dir=out_dir / "diarization")
    if script is not None and driver.speaker_loop is not None:
        parts["speaker_loop"] = driver.speaker_loop(
            script, llm=config.llm, smart_turn=config.smart_turn, out_dir=out_dir / "speakers"
        )
    return parts


def _existing(path: Path, field: str) -> Path:
    if not path.is_file():
        raise VoiceConfigError(
            f"{path}: no such conversation file; fix: set `{field}:` in --config to a script"
        )
    return path


def analyse(
    runs: Sequence[ConversationRun],
    turn_taking: TurnTakingResult | None = None,
    vendors: VendorFile | None = None,
    *,
    samples: int = 20_000,
    seed: int = 0,
    tolerance: float = 0.2,
) -> BenchResult:
    """Stats, ratio, simulator rows (local and vendors) and the simulator's check."""
    stats = stats_by_design(runs)
    local = local_profile(runs)
    designs = [design for design in DESIGNS if design in stats]
    local_rows = simulate_all([local], designs, samples=samples, seed=seed)
    cloud = vendor_profiles(vendors, local) + end_to_end_profiles(vendors, local) if vendors else []
    cloud_rows = simulate_all(cloud, samples=samples, seed=seed)
    checks = []
    by_design: dict[str, list[StageStats]] = dict(stats.items())
    for row in local_rows:
        measured = stat(by_design.get(row.design, []), VOICE_TO_VOICE)
        if measured is not None and measured.p50_s:
            checks.append(validate(row, measured.p50_s, tolerance=tolerance))
    return BenchResult(
        runs=list(runs),
        turn_taking=turn_taking,
        stats=stats,
        streaming_vs_non_streaming_p50_ratio=p50_ratio(stats),
        simulator=[*local_rows, *cloud_rows],
        simulator_check=checks,
        end_to_end=trade_offs(vendors, cloud_rows, runs=runs, stats=stats) if vendors else [],
        notes=_notes(runs, designs, checks),
    )


def _notes(
    runs: Sequence[ConversationRun], designs: Sequence[Design], checks: Sequence[SimulatorCheck]
) -> list[str]:
    notes = []
    preemptive = [run for run in runs if run.design == "preemptive"]
    if preemptive and not any("llm_start" in t.events for run in preemptive for t in run.turns):
        notes.append(
            "The preemptive runs record no llm_start event: the simulator's local preemptive "
            "row assumes the LLM started on the final transcript (no overlap)."
        )
    checked = {check.design for check in checks}
    missing = [design for design in designs if design not in checked]
    if missing:
        notes.append(f"No local simulation for {', '.join(missing)}: a component is missing.")
    return notes
