"""The diarization report: report.md, report.html, timeline.png, latency_der.png, the RTTMs and
diarization.json, in the voice lab's look (caveats first, Markdown tables, Agg figures).

The Markdown comes from pure functions of a DiarizationResult; report.html is that Markdown
rendered by markdown-it-py (which rich already brings) with the figures inline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from voice.diarization._rttm import write_rttm
from voice.diarization._types import (
    DiarizationResult,
    Interval,
    Pooled,
    Recording,
    SpeakerLoopResult,
    SpeakerTurn,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TIMELINE_PIPELINES = ("offline-spectral", "offline-ahc")
"""Offline pipelines drawn in the timeline (the first one present), beside the streaming one."""

LIMITS = (
    "Synthetic voices (one piper voice, espeak-ng voices, sox-shifted copies) are far easier to "
    "tell apart than real speakers, and the mixes have no room acoustics, crosstalk or noise "
    "beyond a faint hiss: these DERs are not comparable with published ones on real meetings "
    "(pyannote's speaker-diarization 2022.07 model card: 18.2 % DER on AMI Mix-Headset, 29.0 % "
    "on AMI Array1, no collar, overlap scored).",
    "One speaker per 10 ms: overlapped speech is missed speech (each recording's overlap is the "
    "floor of its missed-speech time).",
    "Thresholds were chosen on one development conversation (diarization-dev/dev_three.yaml), "
    "the same for every look-ahead; diart tunes them per latency.",
    "Intervals: percentile bootstrap over the recordings (a handful), so they are wide and say "
    "little beyond these recordings.",
)
"""The caveats that open every diarization report."""


class DiarizeReportPaths(NamedTuple):
    """The files write_diarization_report wrote."""

    markdown: Path
    html: Path
    timeline_png: Path
    curve_png: Path | None
    result_json: Path
    rttm_dir: Path


def write_diarization_report(
    result: DiarizationResult, out_dir: Path, *, streaming: str | None = None
) -> DiarizeReportPaths:
    """Write the report, the figures, one RTTM per pipeline and diarization.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rttm_dir = out_dir / "rttm"
    _write_rttms(result, rttm_dir)
    result_json = out_dir / "diarization.json"
    result_json.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    timeline = out_dir / "timeline.png"
    plot_timeline(result.recordings, timeline, streaming=streaming)
    curve = out_dir / "latency_der.png" if result.curve else None
    if curve is not None:
        plot_curve(result, curve)
    markdown = render_markdown(result, curve=curve is not None)
    md_path = out_dir / "report.md"
    md_path.write_text(markdown, encoding="utf-8")
    html = out_dir / "report.html"
    html.write_text(to_html(markdown, "Speaker diarization"), encoding="utf-8")
    return DiarizeReportPaths(md_path, html, timeline, curve, result_json, rttm_dir)


def _write_rttms(result: DiarizationResult, folder: Path) -> None:
    pipelines = sorted({name for r in result.recordings for name in r.hypotheses})
    for name in pipelines:
        turns = {r.name: r.hypotheses[name] for r in result.recordings if name in r.hypotheses}
        write_rttm(folder / f"{name}.rttm", turns)
    references = {r.name: r.reference for r in result.recordings if r.reference}
    if references:
        write_rttm(folder / "reference.rttm", references)


# --- Markdown ------------------------------------------------------------------------------


def pct(value: float | None) -> str:
    """A rate as a percentage with one decimal."""
    return "n/a" if value is None else f"{value * 100:.1f} %"


def interval(value: Interval) -> str:
    """A pooled rate and its 95 % interval."""
    if value.low is None or value.high is None:
        return pct(value.value)
    return f"{pct(value.value)} [{value.low * 100:.1f}, {value.high * 100:.1f}]"


def collar_name(collar_s: float) -> str:
    """How a collar is written in the tables."""
    return "none" if collar_s == 0 else f"±{collar_s / 2 * 1000:.0f} ms"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(result: DiarizationResult, *, curve: bool = True) -> str:
    """The whole report.md."""
    sections = [
        "# Speaker diarization",
        _caveats([*LIMITS, *result.notes]),
        _recordings(result.recordings),
        pooled_section(shown(result.pooled, result.headline), level=2),
        _per_recording(result),
        curve_section(result, level=2, figure=curve),
        "## Figures\n\n![reference and hypothesis lanes](timeline.png)",
        _timing(result.recordings),
        _settings(result.settings),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _caveats(notes: Sequence[str]) -> str:
    lines = ["> **Read this first.**", ">"]
    lines += [f"> - {note}" for note in dict.fromkeys(notes)]
    return "\n".join(lines)


def _recordings(recordings: Sequence[Recording]) -> str:
    rows = [
        [
            r.name,
            f"{r.duration_s:.1f} s",
            str(len({t.speaker for t in r.reference})) if r.reference else "?",
            f"{r.overlap_s:.1f} s" if r.reference else "?",
            r.source,
        ]
        for r in recordings
    ]
    header = ["recording", "length", "speakers", "overlapped speech", "source"]
    return "## Recordings\n\n" + _table(header, rows)


def pooled_section(pooled: Sequence[Pooled], *, level: int) -> str:
    """DER with its parts and JER per pipeline, pooled over the recordings."""
    if not pooled:
        return ""
    rows = [
        [
            p.pipeline,
            collar_name(p.collar_s),
            interval(p.der),
            pct(p.missed),
            pct(p.false_alarm),
            pct(p.confusion),
            interval(p.jer),
            str(p.speaker_count_errors),
        ]
        for p in sorted(pooled, key=lambda p: (p.collar_s, p.der.value))
    ]
    header = [
        "pipeline",
        "collar",
        "DER [95 % CI]",
        "missed",
        "false alarm",
        "confusion",
        "JER [95 % CI]",
        "wrong speaker count",
    ]
    n = pooled[0].der.n
    return "\n".join(
        [
            f"{'#' * level} DER and JER, pooled over {n} recording(s)",
            "",
            "pyannote.metrics' DiarizationErrorRate (parts as shares of reference speech) and "
            "JaccardErrorRate, overlapped speech scored; the collar is pyannote's, removed "
            "around each reference boundary.",
            "",
            _table(header, rows),
        ]
    )


def shown(pooled: Sequence[Pooled], headline: Sequence[str]) -> list[Pooled]:
    """The pooled rows of the configured pipelines (all of them when none is named)."""
    return [p for p in pooled if not headline or p.pipeline in headline]


def _per_recording(result: DiarizationResult) -> str:
    scores = [
        s
        for s in result.scores
        if s.collar_s == 0.0 and (not result.headline or s.pipeline in result.headline)
    ]
    if not scores:
        return ""
    rows = [
        [
            s.conversation,
            s.pipeline,
            pct(s.parts.der),
            pct(s.parts.rate("missed")),
            pct(s.parts.rate("false_alarm")),
            pct(s.parts.rate("confusion")),
            pct(s.parts.jer),
            f"{s.hypothesis_speakers} / {s.reference_speakers}",
        ]
        for s in sorted(scores, key=lambda s: (s.conversation, s.parts.der))
    ]
    header = ["recording", "pipeline", "DER", "missed", "false alarm", "confusion", "JER"]
    return "## Per recording (no collar)\n\n" + _table([*header, "speakers found / true"], rows)


def curve_section(result: DiarizationResult, *, level: int, figure: bool = True) -> str:
    """The streaming pipeline's DER as a function of its look-ahead."""
    if not result.curve:
        return ""
    rows = [
        [
            f"{p.latency_s:g} s",
            interval(p.der),
            interval(p.der_collar),
            interval(p.jer),
            f"{p.label_delay_p95_s * 1000:.0f} ms",
        ]
        for p in result.curve
    ]
    header = ["look-ahead", "DER", "DER, ±250 ms collar", "JER", "label out after (p95)"]
    embed = result.window_embed_p95_s
    return "\n".join(
        [
            f"{'#' * level} Streaming: latency vs DER",
            "",
            "A point's label is final once the audio up to its look-ahead has arrived and one "
            "new window has been embedded and assigned: `label out after` adds the measured "
            f"p95 of embedding one window alone ({_ms(embed)}, this machine) and of the "
            "assignment to the look-ahead (plus up to half a step of grid rounding). Beyond "
            "1.6 s (the embedding window) more look-ahead adds nothing: the curve flattens.",
            "",
            _table(header, rows),
            *(["", "![latency-DER curve](latency_der.png)"] if figure else []),
        ]
    )


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


def _timing(recordings: Sequence[Recording]) -> str:
    names = sorted({name for r in recordings for name in r.seconds})
    audio = sum(r.duration_s for r in recordings)
    rows = []
    for name in names:
        total = sum(r.seconds.get(name, 0.0) for r in recordings)
        rows.append([name, f"{total:.2f} s", f"{total / audio:.3f}" if audio else "n/a"])
    return "\n".join(
        [
            "## Compute time (this machine)",
            "",
            f"Over {audio:.0f} s of audio; the real-time factor is compute time / audio time. "
            "Every pipeline reuses the shared features.",
            "",
            _table(["step", "total", "real-time factor"], rows),
        ]
    )


def _settings(settings: dict[str, str]) -> str:
    if not settings:
        return ""
    rows = [[f"`{k}`", v] for k, v in settings.items()]
    return "## Settings\n\n" + _table(["setting", "value"], rows)


def speaker_loop_section(loop: SpeakerLoopResult | None, *, level: int) -> str:
    """The speaker-tagged live loop: label accuracy and the latency the tagging adds."""
    if loop is None:
        return ""
    ms = _ms
    rows = [
        [str(t.index), t.speaker, t.label or "none", "yes" if t.correct else "no", t.llm_text or ""]
        for t in loop.turns
    ]
    summary = (
        f"Speaker tag accuracy (best one-to-one mapping): **{pct(loop.accuracy)}** over "
        f"{len(loop.turns)} utterances. Time a transcript waited for its speaker tag: p50 "
        f"{ms(loop.added_p50_s)}, p95 {ms(loop.added_p95_s)}; the embedding itself took p50 "
        f"{ms(loop.embed_p50_s)} per segment, mostly while Whisper transcribed."
    )
    if loop.voice_to_voice_p50_s is not None:
        summary += f" Voice-to-voice p50 of the tagged run: {ms(loop.voice_to_voice_p50_s)}."
    header = ["utterance", "speaker (script)", "tag", "right", "what the LLM received"]
    return "\n".join(
        [
            f"{'#' * level} Speaker-tagged live loop (`{loop.conversation}`)",
            "",
            summary,
            "",
            _table(header, rows),
            *[f"\n{note}" for note in loop.notes],
        ]
    )


# --- HTML ----------------------------------------------------------------------------------

_CSS = """body { font: 15px/1.45 system-ui, sans-serif; color: #1f2328; margin: 0 auto;
padding: 1rem 2rem 4rem; max-width: 90rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left; }
th { background: #f6f8fa; }
blockquote { background: #fff8c5; border: 2px solid #d4a72c; border-radius: 6px;
margin: 1rem 0; padding: .3rem 1rem; }
img { max-width: 100%; }"""


def to_html(markdown: str, title: str) -> str:
    """The Markdown as a standalone HTML page (tables on, raw HTML off)."""
    from html import escape

    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


# --- figures -------------------------------------------------------------------------------


def plot_timeline(
    recordings: Sequence[Recording], path: Path, *, streaming: str | None = None
) -> None:
    """Per recording: one lane per reference speaker, then the hypotheses' lanes."""
    from matplotlib.figure import Figure

    shown = [r for r in recordings if r.hypotheses or r.reference]
    fig = Figure(figsize=(13, 0.8 + 2.2 * max(1, len(shown))))
    axes = fig.subplots(max(1, len(shown)), 1, squeeze=False)[:, 0]
    for ax, recording in zip(axes, shown, strict=False):
        _lanes(ax, recording, _timeline_pipelines(recording, streaming))
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def _timeline_pipelines(recording: Recording, streaming: str | None) -> list[str]:
    offline = next((p for p in TIMELINE_PIPELINES if p in recording.hypotheses), None)
    stream = streaming if streaming in recording.hypotheses else None
    chosen = [p for p in (offline, stream) if p]
    return chosen or sorted(recording.hypotheses)[:2]


def _lanes(ax: Axes, recording: Recording, pipelines: Sequence[str]) -> None:
    reference = recording.reference or []
    speakers = sorted({t.speaker for t in reference})
    colours = {speaker: f"C{i % 10}" for i, speaker in enumerate(speakers)}
    labels: list[str] = []
    for speaker in speakers:
        labels.append(f"ref {speaker}")
        _bars(ax, len(labels) - 1, [t for t in reference if t.speaker == speaker], colours)
    for name in pipelines:
        mapped = _mapped(reference, recording.hypotheses[name])
        labels.append(name)
        _bars(ax, len(labels) - 1, mapped, colours)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, recording.duration_s)
    ax.set_xlabel("s", fontsize=7)
    ax.set_title(
        f"{recording.name}: reference speakers, then hypotheses coloured by their mapped "
        "reference speaker (grey: unmapped)",
        fontsize=8,
    )


def _bars(ax: Axes, lane: int, turns: Sequence[SpeakerTurn], colours: dict[str, str]) -> None:
    spans = [(t.start, t.duration) for t in turns]
    ax.broken_barh(
        spans, (lane - 0.4, 0.8), facecolors=[colours.get(t.speaker, "0.6") for t in turns]
    )


def _mapped(
    reference: Sequence[SpeakerTurn], hypothesis: Sequence[SpeakerTurn]
) -> list[SpeakerTurn]:
    """Hypothesis turns renamed to their reference speaker under pyannote's optimal mapping."""
    if not reference:
        return list(hypothesis)
    from voice.diarization._rttm import to_annotation
    from voice.diarization._score import der_metric

    mapping = der_metric().optimal_mapping(to_annotation(reference), to_annotation(hypothesis))
    return [t.model_copy(update={"speaker": str(mapping.get(t.speaker, "?"))}) for t in hypothesis]


def plot_curve(result: DiarizationResult, path: Path) -> None:
    """Pooled DER (with its interval) against the streaming look-ahead; offline for reference."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    for key, label, colour in (
        ("der", "DER, no collar", "C0"),
        ("der_collar", "DER, ±250 ms", "C1"),
    ):
        xs = [p.latency_s for p in result.curve]
        values: list[Interval] = [getattr(p, key) for p in result.curve]
        ys = [v.value * 100 for v in values]
        low = [(v.value - (v.low if v.low is not None else v.value)) * 100 for v in values]
        high = [((v.high if v.high is not None else v.value) - v.value) * 100 for v in values]
        ax.errorbar(xs, ys, yerr=[low, high], marker="o", capsize=3, label=label, color=colour)
    offline = [p for p in result.pooled if p.collar_s == 0.0 and p.pipeline.startswith("offline")]
    if offline:
        best = min(offline, key=lambda p: p.der.value)
        ax.axhline(
            best.der.value * 100,
            color="grey",
            linestyle="--",
            linewidth=0.8,
            label=f"{best.pipeline} (offline), no collar",
        )
    ax.set_xlabel("look-ahead (s)")
    ax.set_ylabel("pooled DER (%)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.set_title("Streaming diarization: DER vs latency (95 % bootstrap intervals)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
