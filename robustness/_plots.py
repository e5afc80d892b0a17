"""The report's plots, drawn with matplotlib's object API (no pyplot state), imported lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robustness._metrics import Metrics, Row

FAMILY_ORDER = ("all", "format", "structure", "length", "noise", "paraphrase")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _ordered(rows: list[Row]) -> list[Row]:
    return sorted(
        rows,
        key=lambda r: (FAMILY_ORDER.index(r.family) if r.family in FAMILY_ORDER else 99, r.family),
    )


def drops_plot(metrics: Metrics, prompt_id: str, path: Path) -> Path:
    """Drop per family with its 95 % interval, beside the noise floor's band."""
    rows = _ordered([r for r in [*metrics.overall, *metrics.families] if r.prompt_id == prompt_id])
    figure = _figure(7.5, 0.5 * len(rows) + 1.6)
    axes = figure.add_subplot()
    floor = metrics.noise[prompt_id].floor if prompt_id in metrics.noise else 0.0
    label = f"noise floor ±{floor:.3f}"
    axes.axvspan(-floor, floor, color="#d0d7de", alpha=0.7, label=label)
    axes.axvline(0, color="#57606a", linewidth=0.8)
    for y, row in enumerate(rows):
        mean, low, high = row.drop.mean, row.drop.low, row.drop.high
        color = "#cf222e" if row.fragile else "#0969da"
        if low is not None and high is not None:
            axes.errorbar(
                mean, y, xerr=[[mean - low], [high - mean]], fmt="o", color=color, capsize=4
            )
        else:
            axes.plot(mean, y, "o", color=color)
    axes.set_yticks(range(len(rows)), [f"{r.family} (n={r.cases})" for r in rows])
    axes.invert_yaxis()
    unit = "pass rate" if metrics.metric == "pass" else "score"
    axes.set_xlabel(f"drop in {unit}: clean - perturbed (red: fragile, Holm p < 0.05)")
    axes.set_title(f"{prompt_id}: drop per family, 95 % cluster-bootstrap intervals")
    axes.legend(loc="lower right", fontsize=8)
    figure.savefig(path)
    return path


def heatmap_plot(metrics: Metrics, prompt_id: str, path: Path) -> Path:
    """PDR per family x severity."""
    rows = [r for r in metrics.cells if r.prompt_id == prompt_id]
    families = [f for f in FAMILY_ORDER if any(r.family == f for r in rows)]
    families += sorted({r.family for r in rows} - set(families))
    severities = sorted({r.severity for r in rows if r.severity is not None})
    grid = [[float("nan")] * len(severities) for _ in families]
    labels = [[""] * len(severities) for _ in families]
    for r in rows:
        i, j = families.index(r.family), severities.index(r.severity or 0)
        grid[i][j] = r.pdr.mean
        labels[i][j] = f"{r.pdr.mean:+.2f}{'*' if r.fragile else ''}\nn={r.cases}"
    figure = _figure(1.6 * len(severities) + 2.6, 0.55 * len(families) + 1.5)
    axes = figure.add_subplot()
    image = axes.imshow(grid, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for i in range(len(families)):
        for j in range(len(severities)):
            axes.text(j, i, labels[i][j], ha="center", va="center", fontsize=8)
    axes.set_xticks(range(len(severities)), [f"severity {s}" for s in severities])
    axes.set_yticks(range(len(families)), families)
    axes.set_title(f"{prompt_id}: PDR per family x severity (* fragile)")
    figure.colorbar(image, ax=axes, label="PDR = 1 - perturbed / clean")
    figure.savefig(path)
    return path
