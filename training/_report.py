"""The comparison report: report.md, four PNG figures and compare.json from a CompareResult.

The Markdown is built by pure functions of the result (tested on hand-built runs); the figures
use matplotlib's object API on the Agg canvas, imported inside the functions so that importing
this module stays cheap and no display or pyplot state is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from training._formulas import STAGE_TITLES, format_bytes, format_count, measured_model_state
from training._types import CompareResult, FailureRun, FormulaCheck, TrainResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LIMITS = (
    "CPU processes and gloo, not GPUs and NCCL: every rank shares this machine's few cores, so "
    "communication is memory copies and ranks compete for compute. Throughput and step times "
    "here say little about a GPU cluster; the memory accounting is what carries over.",
    "Tiny models (about a million to a few million parameters) and few steps: fixed costs "
    "(process start, Python, the allocator) dominate peak memory, so peak RSS barely moves "
    "between strategies even where model-state bytes halve.",
    "Two ranks: ZeRO's savings grow with N (stage 3 holds 16Ψ/N), so N = 2 shows the shape of "
    "the formulas, not the savings at scale.",
    "Model-state bytes are counted from the tensors each rank holds after an optimizer step; "
    "activations, communication buffers and temporary unsharded parameters are not in them.",
    "FSDP2 keeps fp32 sharded parameters and casts to bf16 for compute, so its breakdown "
    "between parameters and optimizer states differs from the paper's even where the total "
    "matches; DeepSpeed on CPU may keep fp32 where a GPU run keeps fp16.",
)
"""Honest limits printed at the end of every report."""

FIGSIZE = (7.0, 4.2)
DPI = 100
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


class ReportPaths(NamedTuple):
    """The files write_report wrote."""

    markdown: Path
    throughput_png: Path
    memory_png: Path
    loss_png: Path
    formula_png: Path
    compare_json: Path


def write_report(result: CompareResult, out_dir: Path) -> ReportPaths:
    """Write report.md, throughput/memory/loss/formula PNGs and compare.json into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(
        out_dir / "report.md",
        out_dir / "throughput.png",
        out_dir / "memory.png",
        out_dir / "loss.png",
        out_dir / "formula.png",
        out_dir / "compare.json",
    )
    paths.compare_json.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    plot_throughput(result, paths.throughput_png)
    plot_memory(result, paths.memory_png)
    plot_loss(result, paths.loss_png)
    plot_formula(result, paths.formula_png)
    paths.markdown.write_text(render_markdown(result), encoding="utf-8")
    return paths


# --- Markdown ------------------------------------------------------------------------------


def render_markdown(result: CompareResult) -> str:
    """The whole report as Markdown."""
    sections = (
        _header(result),
        _performance(result),
        _model_states(result),
        _fault_tolerance(result.failure, result.results),
        _gguf(result.gguf_check),
        _notes(result),
        _limits(),
    )
    return "\n\n".join(section for section in sections if section) + "\n"


def ranks_of(result: TrainResult) -> int:
    """Processes the run used: 1 for the single strategy, else its world size."""
    return 1 if result.config.strategy == "single" else result.config.world_size


def peak_rss(result: TrainResult) -> int:
    """The largest peak RSS over the run's ranks (0 when none was recorded)."""
    return max((rank.peak_rss_bytes for rank in result.ranks), default=0)


def peak_memory(result: TrainResult) -> int:
    """Peak GPU memory per rank where a GPU was used, else peak RSS (largest over ranks)."""
    device = [rank.peak_device_bytes for rank in result.ranks if rank.peak_device_bytes]
    return max(device) if device else peak_rss(result)


def baseline(results: Sequence[TrainResult]) -> TrainResult | None:
    """The single-process run the ratios divide by, when the comparison has one."""
    return next((r for r in results if r.config.strategy == "single"), None)


def ratio(value: float, base: float | None) -> str:
    """value ÷ base as '1.23x', or 'n/a' without a base."""
    return f"{value / base:.2f}x" if base else "n/a"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _header(result: CompareResult) -> str:
    lines = ["# Distributed training: strategies compared"]
    if result.results:
        first = result.results[0]
        config = first.config
        lines += [
            "",
            f"Same model, data and seed for every strategy: Ψ = {format_count(first.parameters)} "
            f"parameters ({config.model_size}), sequences of {config.seq_len} tokens, "
            f"micro-batch {config.micro_batch} per rank, {config.steps} steps, lr {config.lr:g}, "
            f"seed {config.seed}, {config.world_size} ranks for the distributed strategies, "
            f"bf16 {_on(config.bf16)}, activation checkpointing "
            f"{_on(config.activation_checkpointing)}, CPU offload {_on(config.cpu_offload)}.",
        ]
        lines += ["", _first_step_agreement(result.results)]
    lines += [
        "",
        "Figures: [throughput](throughput.png), [memory per rank](memory.png), "
        "[loss curves](loss.png), [measured vs formula](formula.png); data: compare.json.",
    ]
    return "\n".join(lines)


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _first_step_agreement(results: Sequence[TrainResult]) -> str:
    losses = [r.first_step_loss for r in results]
    spread = max(losses) - min(losses)
    return (
        f"First-step loss over {len(losses)} strategies: {min(losses):.4f} to {max(losses):.4f} "
        f"(spread {spread:.2g}); the same seed gives the same weights and first batch."
    )


def _performance(result: CompareResult) -> str:
    base = baseline(result.results)
    header = (
        "strategy",
        "ranks",
        "tokens/s",
        "vs single",
        "step time",
        "peak memory per rank",
        "vs single",
        "first-step loss",
        "held-out loss (first → final)",
        "restarts",
    )
    rows = [_performance_row(r, base) for r in result.results]
    note = (
        "Tokens/s counts the tokens of all ranks; peak memory is the largest of any rank (GPU "
        "memory where a GPU ran, else the process's peak RSS). vs single divides by the single "
        "process measured in the same run."
    )
    return "\n\n".join(("## Throughput, memory and loss", _table(header, rows), note))


def _speed_and_memory(result: TrainResult, base: TrainResult | None) -> list[str]:
    """Ranks, tokens/s, step time and peak memory, each ratio against the single process."""
    return [
        str(ranks_of(result)),
        f"{result.tokens_per_s:,.0f}",
        ratio(result.tokens_per_s, base.tokens_per_s if base else None),
        f"{result.mean_step_time_s * 1000:.1f} ms",
        format_bytes(peak_memory(result)),
        ratio(peak_memory(result), peak_memory(base) if base else None),
    ]


def _performance_row(result: TrainResult, base: TrainResult | None) -> list[str]:
    first_eval = f"{result.eval_losses[0][1]:.4f} → " if result.eval_losses else ""
    return [
        result.config.strategy,
        *_speed_and_memory(result, base),
        f"{result.first_step_loss:.4f}",
        f"{first_eval}{result.final_eval_loss:.4f}",
        str(result.restarts),
    ]


def _model_states(result: CompareResult) -> str:
    by_strategy = {check.strategy: check for check in result.formula_checks}
    header = (
        "strategy",
        "formula",
        "params",
        "grads",
        "optimizer",
        "measured",
        "formula bytes",
        "measured ÷ formula",
        "within 10 %",
    )
    rows = [
        _model_state_row(r, by_strategy[r.config.strategy])
        for r in result.results
        if r.config.strategy in by_strategy
    ]
    if not rows:
        return "## Model states per rank vs ZeRO's formulas\n\nNo run recorded model-state bytes."
    matched = sum(check.within_10pct for check in result.formula_checks)
    intro = (
        "Bytes of parameters, gradients and optimizer states each rank holds (mean over ranks), "
        "against Rajbhandari et al. 2020 with mixed-precision Adam (K = 12): DP 16Ψ, stage 1 "
        "4Ψ + 12Ψ/N, stage 2 2Ψ + 14Ψ/N, stage 3 16Ψ/N."
    )
    total = len(result.formula_checks)
    verdict = f"{matched} of {total} strategies lie within 10 % of the formula."
    return "\n\n".join(
        ("## Model states per rank vs ZeRO's formulas", intro, _table(header, rows), verdict)
    )


def _model_state_row(result: TrainResult, check: FormulaCheck) -> list[str]:
    count = max(len(result.ranks), 1)
    params = sum(rank.param_bytes for rank in result.ranks) / count
    grads = sum(rank.grad_bytes for rank in result.ranks) / count
    optimizer = sum(rank.optimizer_bytes for rank in result.ranks) / count
    return [
        result.config.strategy,
        STAGE_TITLES[check.stage],
        format_bytes(params),
        format_bytes(grads),
        format_bytes(optimizer),
        format_bytes(check.measured_bytes),
        format_bytes(check.formula_bytes),
        f"{check.ratio:.3f}",
        "yes" if check.within_10pct else "**no**",
    ]


def _fault_tolerance(failure: FailureRun | None, results: Sequence[TrainResult]) -> str:
    if failure is None:
        return ""
    run = failure.result
    strategy = run.config.strategy
    lines = [
        "## Fault tolerance",
        "",
        f"{strategy}: rank {failure.kill_rank} was SIGKILLed at step {failure.kill_at_step} of "
        f"{run.config.steps} (torchrun --max-restarts {failure.max_restarts}). The group "
        f"restarted {run.restarts} time(s) and resumed from the checkpoint of step "
        f"{_step(run.resumed_from_step)}; final held-out loss {run.final_eval_loss:.4f}.",
    ]
    clean = next((r for r in results if r.config.strategy == strategy), None)
    if clean is not None:
        difference = run.final_eval_loss - clean.final_eval_loss
        lines.append(
            f"The uninterrupted {strategy} run ended at {clean.final_eval_loss:.4f} "
            f"(difference {difference:+.4f})."
        )
    return "\n".join(lines)


def _step(step: int | None) -> str:
    return "(none)" if step is None else str(step)


def _gguf(text: str) -> str:
    body = text.strip() or "Not checked in this run."
    return f"## Gemma 3 270M GGUF in transformers\n\n{body}"


def _notes(result: CompareResult) -> str:
    runs = list(result.results) + ([result.failure.result] if result.failure else [])
    notes = [f"- {r.config.strategy}: {note}" for r in runs for note in r.notes]
    return "## Notes\n\n" + "\n".join(notes) if notes else ""


def _limits() -> str:
    return "## Limits\n\n" + "\n".join(f"- {limit}" for limit in LIMITS)


def scaling_table(results: Sequence[TrainResult]) -> str:
    """Plain-text table for the benchmarks: each run against the single process of the same run."""
    base = baseline(results)
    device = any(rank.peak_device_bytes for r in results for rank in r.ranks)
    memory = "peak GPU mem/rank" if device else "peak RSS/rank"
    header = ("strategy", "ranks", "tokens/s", "vs single", "step", memory, "vs single")
    rows: list[tuple[str, ...]] = [(*header, "model states/rank", "vs single")]
    rows += [_scaling_row(r, base) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.rjust(w) if i else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _scaling_row(result: TrainResult, base: TrainResult | None) -> tuple[str, ...]:
    states = measured_model_state(result)
    base_states = measured_model_state(base) if base else None
    return (
        result.config.strategy + (" +offload" if result.config.cpu_offload else ""),
        *_speed_and_memory(result, base),
        format_bytes(states) if states else "n/a",
        ratio(states, base_states) if states else "n/a",
    )


# --- Figures -------------------------------------------------------------------------------


def _save(path: Path, title: str, draw: Callable[[Axes], None]) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    draw(axes)
    axes.set_title(title)
    # No Software metadata: the same result gives the same bytes.
    figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _names(results: Sequence[TrainResult]) -> list[str]:
    return [r.config.strategy for r in results]


def _ticks(axes: Axes, labels: Sequence[str]) -> None:
    # Slanted, because strategy names like fsdp2_zero3 overlap when set flat.
    axes.set_xticks(range(len(labels)), labels, rotation=20, ha="right")


def plot_throughput(result: CompareResult, path: Path) -> None:
    """Bar chart: tokens/s (all ranks) by strategy."""

    def draw(axes: Axes) -> None:
        values = [r.tokens_per_s for r in result.results]
        positions = range(len(values))
        axes.bar(positions, values, color=[_color(i) for i in positions])
        _ticks(axes, _names(result.results))
        axes.set_ylabel("tokens/s (all ranks)")

    _save(path, "Throughput by strategy", draw)


def plot_memory(result: CompareResult, path: Path) -> None:
    """Grouped bars: each rank's peak RSS (MB) by strategy."""

    def draw(axes: Axes) -> None:
        for x, run in enumerate(result.results):
            count = max(len(run.ranks), 1)
            width = 0.8 / count
            for i, rank in enumerate(run.ranks):
                offset = -0.4 + width * (i + 0.5)
                axes.bar(x + offset, rank.peak_rss_bytes / 1e6, width * 0.9, color=_color(x))
        _ticks(axes, _names(result.results))
        axes.set_ylabel("peak RSS per rank (MB)")

    _save(path, "Peak memory per rank (one bar per rank)", draw)


def plot_loss(result: CompareResult, path: Path) -> None:
    """Training loss per step (lines) and held-out loss (markers) by strategy."""

    def draw(axes: Axes) -> None:
        runs = list(result.results)
        labels = _names(runs)
        if result.failure is not None:
            runs.append(result.failure.result)
            labels.append(f"{result.failure.result.config.strategy} (rank killed)")
        for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
            steps = [record.step for record in run.steps]
            axes.plot(steps, [record.loss for record in run.steps], color=_color(i), label=label)
            if run.eval_losses:
                eval_steps, eval_values = zip(*run.eval_losses, strict=True)
                axes.plot(eval_steps, eval_values, "o--", color=_color(i), markersize=4)
        axes.set_xlabel("step")
        axes.set_ylabel("loss (line: training, dots: held-out)")
        if runs:
            axes.legend(fontsize="small")

    _save(path, "Loss curves", draw)


def plot_formula(result: CompareResult, path: Path) -> None:
    """Per strategy: measured model-state bytes per rank next to the ZeRO formula (MB)."""

    def draw(axes: Axes) -> None:
        checks = result.formula_checks
        positions = range(len(checks))
        measured = [check.measured_bytes / 1e6 for check in checks]
        formula = [check.formula_bytes / 1e6 for check in checks]
        bars = axes.bar(
            [x - 0.2 for x in positions], measured, 0.4, label="measured", color=_color(0)
        )
        axes.bar([x + 0.2 for x in positions], formula, 0.4, label="formula", color=_color(1))
        axes.bar_label(bars, [f"{check.ratio:.2f}x" for check in checks], fontsize="small")
        _ticks(axes, [check.strategy for check in checks])
        axes.set_ylabel("model-state bytes per rank (MB)")
        axes.legend(fontsize="small")

    _save(path, "Model states per rank: measured vs ZeRO formula", draw)
