"""The bench report: report.md, report.html, timeline.png, designs.png and bench.json.

The Markdown is built by pure functions of the result (tested on hand-built runs), caveats
first; report.html is the same Markdown rendered. The figures use matplotlib's object API with
the Agg canvas, so no display and no pyplot state are needed. The diarization section links the
figures of the bench's diarization run (diarization/).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from voice._stats import DURATIONS, percentile, stat
from voice._types import (
    VOICE_TO_VOICE,
    BargeIn,
    BenchResult,
    ConversationRun,
    SimulatedDesign,
    SimulatorCheck,
    TradeOff,
    TurnTimeline,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LIMITS = (
    "CPU only (no GPU): every model runs on the machine's CPU cores, sharing them with the "
    "audio loop, so stages are slower than on a server and interfere with each other.",
    "The LLM is a smoke test: the default embedded model (gemma-3-270m) is tiny; its speed, "
    "not its answers, is what the bench measures.",
    "Voice-to-voice starts at the VAD's stop event, which itself comes the VAD's stop_secs of "
    "silence after the user's last word: add it for the gap the user hears.",
    "Five turns per design: a p95 over five values is interpolated between the two largest "
    "(numpy's linear method), not a tail estimate.",
    "Cloud rows of the simulator combine vendors' published claims (voice/vendors.yaml) with "
    "our assumptions; they are not measurements.",
    "End-to-end speech models do not run here (cloud APIs, or a 7B model needing a 24 GB GPU): "
    "their rows are vendors' claims, and their costs published prices with our assumptions.",
)
"""Honest limits printed at the end of every report."""

THRESHOLDS = (0.4, 0.8)
"""The voice-to-voice targets the report flags, seconds."""


class ReportPaths(NamedTuple):
    """The files write_report wrote."""

    markdown: Path
    timeline_png: Path
    designs_png: Path
    bench_json: Path
    html: Path


def write_report(result: BenchResult, out_dir: Path) -> ReportPaths:
    """Write report.md, report.html, timeline.png, designs.png and bench.json into out_dir."""
    from voice.diarization._report import to_html

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(
        out_dir / "report.md",
        out_dir / "timeline.png",
        out_dir / "designs.png",
        out_dir / "bench.json",
        out_dir / "report.html",
    )
    paths.bench_json.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    plot_timeline(result.runs, paths.timeline_png)
    plot_designs(result, paths.designs_png)
    markdown = render_markdown(result)
    paths.markdown.write_text(markdown, encoding="utf-8")
    paths.html.write_text(to_html(markdown, "Voice lab bench"), encoding="utf-8")
    return paths


# --- Markdown ------------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    """Seconds as whole milliseconds, or "n/a"."""
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


def pct(value: float | None) -> str:
    """A share as a percentage, or "n/a"."""
    return "n/a" if value is None else f"{value * 100:.0f} %"


def yes(flag: bool) -> str:
    """A boolean for a table cell."""
    return "yes" if flag else "no"


def render_markdown(result: BenchResult) -> str:
    """The whole report.md."""
    sections = [
        _header(result),
        _limits(result),
        _voice_to_voice(result),
        _stages(result),
        _interruptions(result.runs),
        _turn_taking(result),
        _simulator(result),
        trade_off_section(result.end_to_end),
        _diarization(result),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _header(result: BenchResult) -> str:
    lines = ["# Voice lab bench", ""]
    if result.runs:
        first = result.runs[0]
        models = ", ".join(f"{slot}: {name}" for slot, name in first.models.items())
        turns = len(first.turns)
        lines.append(f"Conversation `{first.conversation}` ({turns} turns), one run per design.")
        if models:
            lines.append(f"Components: {models}.")
    lines += ["", "Figures: [timeline](timeline.png), [designs](designs.png); data: bench.json."]
    return "\n".join(lines)


def _voice_to_voice(result: BenchResult) -> str:
    rows = []
    for design, stats in result.stats.items():
        row = stat(stats, VOICE_TO_VOICE)
        if row is not None:
            rows.append([design, str(row.n), ms(row.p50_s), ms(row.p95_s)])
    ratio = result.streaming_vs_non_streaming_p50_ratio
    ratio_line = (
        "Streaming / non-streaming voice-to-voice p50, same bench: "
        + ("n/a" if ratio is None else f"**{ratio:.2f}**")
        + "."
    )
    return "\n".join(
        [
            "## Voice-to-voice (VAD stop → playback start)",
            "",
            _table(["design", "turns", "p50", "p95"], rows),
            "",
            ratio_line,
        ]
    )


def _stages(result: BenchResult) -> str:
    designs = list(result.stats)
    header = ["stage", "from → to", *[f"{d} p50 / p95" for d in designs]]
    rows = []
    for spec in DURATIONS:
        cells = [spec.name, f"{spec.start} → {spec.end}"]
        for design in designs:
            row = stat(result.stats[design], spec.name)
            cells.append("n/a" if row is None else f"{ms(row.p50_s)} / {ms(row.p95_s)}")
        rows.append(cells)
    return "\n".join(["## Per-stage durations", "", _table(header, rows)])


def _interruptions(runs: Sequence[ConversationRun]) -> str:
    rows = [
        [
            run.design,
            str(barge.turn),
            ms(barge.stop_time_s),
            yes(barge.llm_cancelled),
            yes(barge.tts_cleared),
        ]
        for run in runs
        for barge in run.barge_ins
    ]
    if not rows:
        return "## Interruptions\n\nNo barge-in in these runs."
    stops = [b.stop_time_s for run in runs for b in run.barge_ins if b.stop_time_s is not None]
    summary = (
        f"Stop time (user speech start → bot audio stopped) over {len(stops)} barge-ins: "
        f"p50 {ms(percentile(stops, 50))}, max {ms(max(stops) if stops else None)}."
    )
    header = ["design", "turn", "stop time", "LLM cancelled", "TTS queue cleared"]
    return "\n".join(["## Interruptions", "", summary, "", _table(header, rows)])


def _turn_taking(result: BenchResult) -> str:
    tt = result.turn_taking
    if tt is None:
        return "## Turn-taking\n\nNot measured in this bench."
    rows = [
        [
            "VAD silence only",
            str(tt.false_end_of_turn_without_smart_turn),
            pct(tt.rate(smart_turn=False)),
        ],
        ["Smart Turn", str(tt.false_end_of_turn_with_smart_turn), pct(tt.rate(smart_turn=True))],
    ]
    return "\n".join(
        [
            "## Turn-taking",
            "",
            f"{tt.utterances} utterances with mid-sentence pauses; a false end of turn is the "
            "bot taking the turn at a pause.",
            "",
            _table(["end of turn decided by", "false ends of turn", "rate"], rows),
            *[f"\n{note}" for note in tt.notes],
        ]
    )


def _simulator(result: BenchResult) -> str:
    if not result.simulator:
        return ""
    lines = [
        "## Latency budget simulator",
        "",
        "Monte Carlo over independent per-component distributions (voice/_simulator.py); "
        "`< 400 ms` and `< 800 ms` flag the predicted median, with the share of simulated "
        "turns under the threshold in brackets.",
        "",
        simulator_table(result.simulator),
        "",
        "### Validation against the measured local pipeline",
        "",
    ]
    lines += [_check_line(check) for check in result.simulator_check] or ["No local run to check."]
    return "\n".join(lines)


def simulator_table(sims: Sequence[SimulatedDesign]) -> str:
    """The simulator's rows as a Markdown table, fastest first."""
    header = ["profile", "design", "p50", "p95", "< 400 ms", "< 800 ms", "where the time goes"]
    return _table(header, [_sim_row(sim) for sim in sorted(sims, key=lambda s: s.p50_s)])


def _sim_row(sim: SimulatedDesign) -> list[str]:
    parts = ", ".join(f"{name} {ms(value)}" for name, value in sim.contributions_s.items())
    return [
        sim.profile,
        sim.design,
        ms(sim.p50_s),
        ms(sim.p95_s),
        f"{yes(sim.under_400ms)} ({pct(sim.fraction_under_400ms)})",
        f"{yes(sim.under_800ms)} ({pct(sim.fraction_under_800ms)})",
        parts,
    ]


def _check_line(check: SimulatorCheck) -> str:
    bar = pct(check.tolerance)
    verdict = f"within {bar}" if check.within_20_percent else f"NOT within {bar}"
    return (
        f"- {check.design}: predicted p50 {ms(check.predicted_p50_s)}, measured "
        f"{ms(check.measured_p50_s)}, error {pct(check.relative_error)}: {verdict}."
    )


def _limits(result: BenchResult) -> str:
    notes = [*LIMITS, *result.notes, *(n for run in result.runs for n in run.notes)]
    lines = ["> **Read this first: the limits of this bench.**", ">"]
    return "\n".join([*lines, *[f"> - {note}" for note in dict.fromkeys(notes)]])


def trade_off_section(rows: Sequence[TradeOff]) -> str:
    """End-to-end speech models vs cascades, each figure with what it rests on."""
    if not rows:
        return ""
    header = [
        "design",
        "voice-to-voice p50 / p95",
        "latency from",
        "barge-in",
        "tools",
        "text guardrails",
        "$ / minute",
        "runs here",
    ]
    body = [
        [
            row.design,
            f"{ms(row.p50_s)} / {ms(row.p95_s)}",
            row.latency_basis,
            row.barge_in,
            row.tools,
            row.guardrails,
            "n/a"
            if row.usd_per_minute is None
            else f"${row.usd_per_minute:.4f} ({row.cost_basis})",
            row.runs_here,
        ]
        for row in rows
    ]
    return "\n".join(
        [
            "## End-to-end vs cascade",
            "",
            "Cascades (STT → LLM → TTS) beside end-to-end speech-to-speech models. Only the local "
            "cascade is measured; every other latency is simulated from the vendor's published "
            "claim, every cost is a published price times our assumptions of a minute "
            "(voice/vendors.yaml `assumptions.cost`). No end-to-end model runs on this machine.",
            "",
            _table(header, body),
        ]
    )


def _diarization(result: BenchResult) -> str:
    from voice.diarization._report import curve_section, pooled_section, shown, speaker_loop_section

    diarized = result.diarization
    parts = ["## Diarization"]
    if diarized is None:
        parts.append("\nNot run in this bench.")
    else:
        parts += [
            "",
            f"The bundled synthetic conversations ({len(diarized.recordings)}), every pipeline; "
            "the full report with its caveats is [diarization/report.md](diarization/report.md).",
            "",
            pooled_section(shown(diarized.pooled, diarized.headline), level=3),
            "",
            curve_section(diarized, level=3, figure=False),
            "",
            "![speaker timelines](diarization/timeline.png)",
            "",
            "![latency-DER curve](diarization/latency_der.png)",
        ]
    loop = speaker_loop_section(result.speaker_loop, level=3)
    if loop:
        parts += ["", loop]
    return "\n".join(parts)


# --- figures -------------------------------------------------------------------------------

LANES: tuple[tuple[str, str, str], ...] = (
    ("user speech", "user_speech_start", "vad_stop"),
    *((spec.name, spec.start, spec.end) for spec in DURATIONS if spec.name != VOICE_TO_VOICE),
)
"""The timeline's lanes per turn: label, start event, end event."""


def plot_timeline(runs: Sequence[ConversationRun], path: Path) -> None:
    """A Gantt chart per design: one lane per stage per turn, x aligned on each VAD stop."""
    from matplotlib.figure import Figure

    lanes_per_run = max((len(run.turns) for run in runs), default=1) * (len(LANES) + 1)
    fig = Figure(figsize=(11, 1.0 + 0.16 * lanes_per_run * max(len(runs), 1)))
    axes = fig.subplots(max(len(runs), 1), 1, squeeze=False)[:, 0]
    for ax, run in zip(axes, runs, strict=False):
        _gantt(ax, run)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def _gantt(ax: Axes, run: ConversationRun) -> None:
    labels: list[str] = []
    for turn in run.turns:
        vad = turn.events.get("vad_stop")
        if vad is None:
            continue
        events = {**turn.events}
        if turn.user_speech_start is not None:
            events["user_speech_start"] = turn.user_speech_start
        for lane, (name, start, end) in enumerate(LANES):
            labels.append(f"t{turn.index} {name}")
            if start in events and end in events:
                width = max(events[end] - events[start], 0.002)  # keep zero-length stages seen
                ax.barh(len(labels) - 1, width, left=events[start] - vad, color=f"C{lane}")
        labels.append(f"t{turn.index} barge-in")
        _mark_barge_ins(ax, run.barge_ins, turn, run.turns, vad, len(labels) - 1)
    ax.set_yticks(range(len(labels)), labels, fontsize=6)
    ax.invert_yaxis()
    ax.axvline(0.0, color="black", linewidth=0.5)
    ax.set_title(f"{run.design}: seconds from each turn's VAD stop (red: barge-in)", fontsize=9)
    ax.set_xlabel("s")


def _mark_barge_ins(
    ax: Axes,
    barge_ins: Sequence[BargeIn],
    turn: TurnTimeline,
    turns: Sequence[TurnTimeline],
    vad: float,
    lane: int,
) -> None:
    """In the interrupted turn's barge-in lane: the user's barge-in until the bot fell silent."""
    top = lane - len(LANES) - 0.5
    for barge in barge_ins:
        if _interrupted_turn(barge, turns) is not turn:
            continue
        start = barge.user_speech_start - vad
        ax.vlines(start, top, lane + 0.5, color="red", linestyle="--", linewidth=0.8)
        if barge.bot_audio_stopped is not None:
            ax.barh(
                lane, max(barge.bot_audio_stopped - vad - start, 0.002), left=start, color="red"
            )
            ax.annotate(
                f" stop {ms(barge.stop_time_s)}",
                (barge.bot_audio_stopped - vad, lane),
                fontsize=6,
                color="red",
                va="center",
            )


def _interrupted_turn(barge: BargeIn, turns: Sequence[TurnTimeline]) -> TurnTimeline | None:
    """The last turn whose VAD stop precedes the barge-in: its bot was the one speaking."""
    before = [t for t in turns if t.events.get("vad_stop", float("inf")) <= barge.user_speech_start]
    return max(before, key=lambda t: t.events["vad_stop"], default=None)


def plot_designs(result: BenchResult, path: Path) -> None:
    """Measured vs predicted voice-to-voice per design, and the simulator's profiles."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 4 + 0.25 * len(result.simulator)))
    left, right = fig.subplots(1, 2, width_ratios=(1, 2.5))
    _measured_vs_predicted(left, result)
    _profiles(right, result.simulator)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def _measured_vs_predicted(ax: Axes, result: BenchResult) -> None:
    designs = list(result.stats)
    measured = [stat(result.stats[d], VOICE_TO_VOICE) for d in designs]
    predicted = {c.design: c.predicted_p50_s for c in result.simulator_check}
    xs = range(len(designs))
    ax.bar(
        [x - 0.2 for x in xs],
        [(row.p50_s or 0.0) if row else 0.0 for row in measured],
        width=0.4,
        label="measured p50",
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [predicted.get(d, 0.0) for d in designs],
        width=0.4,
        label="simulated p50 (local)",
    )
    _thresholds(ax.axhline)
    ax.set_xticks(list(xs), designs, fontsize=7, rotation=15)
    ax.set_ylabel("voice-to-voice, s")
    ax.legend(fontsize=7)
    ax.set_title("Local pipeline", fontsize=9)


def _profiles(ax: Axes, sims: Sequence[SimulatedDesign]) -> None:
    ordered = sorted(sims, key=lambda s: s.p50_s)
    ys = range(len(ordered))
    ax.barh(list(ys), [s.p50_s for s in ordered], color=[_design_color(s) for s in ordered])
    ax.errorbar(
        [s.p95_s for s in ordered], list(ys), fmt="|", color="black", label="p95", markersize=8
    )
    ax.set_yticks(list(ys), [f"{s.profile} · {s.design}" for s in ordered], fontsize=6)
    ax.invert_yaxis()
    _thresholds(ax.axvline)
    ax.set_xlabel("predicted voice-to-voice p50 (bar) and p95 (tick), s")
    ax.set_title("Simulator: designs x components", fontsize=9)


def _design_color(sim: SimulatedDesign) -> str:
    return {"non_streaming": "C3", "streaming": "C0", "preemptive": "C2", "end_to_end": "C4"}[
        sim.design
    ]


def _thresholds(line: Callable[..., Any]) -> None:
    """Draw the 400 ms and 800 ms targets with ax.axhline or ax.axvline."""
    for threshold, style in zip(THRESHOLDS, (":", "--"), strict=True):
        line(threshold, color="grey", linestyle=style, linewidth=0.8)
