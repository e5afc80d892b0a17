"""The summary's plots, as PNG files: deterministic (fixed size and resolution, no metadata).

matplotlib is imported inside the functions, so that importing this module (and `experiment
--help`) stays fast. Figures are drawn on the Agg canvas without pyplot's global state.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from agents import gives_journal
from experiments.reports._summary import (
    ORIGINAL,
    ExperimentSummary,
    Group,
    MetricSummary,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FIGSIZE = (7.0, 4.2)
DPI = 100
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
MARKERS = ("o", "s", "^", "v", "D", "P", "X")


class PlotFiles(NamedTuple):
    """The PNG files of the summary, in the order of PLOTS."""

    fidelity_by_arm: Path
    pass_rates: Path
    fidelity_vs_journal: Path
    cost_per_trial: Path


PLOTS: dict[str, tuple[str, str]] = {
    "fidelity_by_arm": (
        "Fidelity by arm",
        "Each dot is one trial; the diamond and bar are the mean and its 95% bootstrap interval. "
        "The dashed line is fidelity 1: the rebuild passes as many hidden tests as the original.",
    ),
    "pass_rates": (
        "Original vs regenerated pass rate",
        "Each point is one arm of one trial. Points on the diagonal lost nothing in the trip.",
    ),
    "fidelity_vs_journal": (
        "Fidelity vs journal length",
        "Arms that were given the journal; journal length in tokens of the regex tokenizer.",
    ),
    "cost_per_trial": (
        "Cost per trial",
        "Stacked by agent: the builder and each arm's regenerator (USD; unknown prices omitted).",
    ),
}
FILE_NAMES = {key: f"summary-{key.replace('_', '-')}.png" for key in PLOTS}


def write_plots(summary: ExperimentSummary, folder: Path) -> PlotFiles:
    """Draw every plot of the summary into `folder`."""
    drawers = (_fidelity_by_arm, _pass_rates, _fidelity_vs_journal, _cost_per_trial)
    paths = []
    for key, draw in zip(PLOTS, drawers, strict=True):
        figure, axes = _figure()
        if summary.groups:
            draw(summary, axes)
        else:
            _no_data(axes)
        axes.set_title(PLOTS[key][0])
        path = folder / FILE_NAMES[key]
        figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
        paths.append(path)
    return PlotFiles(*paths)


def _figure() -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def _no_data(axes: Axes) -> None:
    axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def _colors(summary: ExperimentSummary) -> dict[str, str]:
    return {arm: PALETTE[i % len(PALETTE)] for i, arm in enumerate(summary.arms)}


def _prefix(summary: ExperimentSummary, group: Group) -> str:
    return f"{group.id} " if len(summary.groups) > 1 else ""


def _spread(count: int, width: float = 0.3) -> list[float]:
    """Fixed horizontal offsets for `count` dots (deterministic, unlike random jitter)."""
    if count < 2:
        return [0.0] * count
    return [-width / 2 + width * i / (count - 1) for i in range(count)]


def _fidelity_by_arm(summary: ExperimentSummary, axes: Axes) -> None:
    colors = _colors(summary)
    labels: list[str] = []
    for x, (group, arm) in enumerate(_columns(summary)):
        metric = group.columns[arm]["fidelity"]
        values = list(metric.values.values())
        dots = [x - 0.1 + dx for dx in _spread(len(values))]
        axes.scatter(dots, values, color=colors[arm], alpha=0.6, s=28, zorder=2)
        _mean_with_interval(axes, x + 0.25, metric, colors[arm])
        labels.append(f"{_prefix(summary, group)}{arm}")
    axes.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylabel("fidelity")
    axes.set_ylim(bottom=0)


def _columns(summary: ExperimentSummary) -> Iterator[tuple[Group, str]]:
    for group in summary.groups:
        for arm in group.arms:
            yield group, arm


def _mean_with_interval(axes: Axes, x: float, metric: MetricSummary, color: str) -> None:
    estimate = metric.estimate
    if estimate is None:
        return
    low = estimate.mean - (estimate.low if estimate.low is not None else estimate.mean)
    high = (estimate.high if estimate.high is not None else estimate.mean) - estimate.mean
    axes.errorbar(
        [x], [estimate.mean], yerr=[[low], [high]], fmt="D", color=color, capsize=4, zorder=3
    )


def _pass_rates(summary: ExperimentSummary, axes: Axes) -> None:
    colors = _colors(summary)
    for index, (group, arm) in enumerate(_columns(summary)):
        original = group.columns[ORIGINAL]["pass_rate"].values
        regenerated = group.columns[arm]["pass_rate"].values
        runs = [run for run in group.run_ids if run in original and run in regenerated]
        axes.scatter(
            [original[r] for r in runs],
            [regenerated[r] for r in runs],
            color=colors[arm],
            marker=MARKERS[summary.groups.index(group) % len(MARKERS)],
            alpha=0.6,
            label=f"{_prefix(summary, group)}{arm}",
            zorder=2 + index,
        )
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    axes.set_xlim(-0.03, 1.03)
    axes.set_ylim(-0.03, 1.03)
    axes.set_xlabel("original pass rate")
    axes.set_ylabel("regenerated pass rate")
    axes.legend(loc="upper left", fontsize="small")


def _fidelity_vs_journal(summary: ExperimentSummary, axes: Axes) -> None:
    colors = _colors(summary)
    drawn = False
    for group, arm in _columns(summary):
        if not gives_journal(arm):
            continue
        fidelity = group.columns[arm]["fidelity"].values
        tokens = group.columns[arm].get("journal_tokens")
        length = tokens.values if tokens is not None else {}
        runs = [run for run in group.run_ids if run in fidelity and run in length]
        axes.scatter(
            [length[r] for r in runs],
            [fidelity[r] for r in runs],
            color=colors[arm],
            marker=MARKERS[summary.groups.index(group) % len(MARKERS)],
            alpha=0.6,
            label=f"{_prefix(summary, group)}{arm}",
        )
        drawn = drawn or bool(runs)
    if not drawn:
        _no_data(axes)
        return
    axes.set_xlabel("journal tokens")
    axes.set_ylabel("fidelity")
    axes.set_ylim(bottom=0)
    axes.legend(loc="best", fontsize="small")


def _cost_per_trial(summary: ExperimentSummary, axes: Axes) -> None:
    roles = [ORIGINAL, *summary.arms]
    colors = {ORIGINAL: "#7f7f7f", **_colors(summary)}
    labels = [f"{g.id} #{i}" for g in summary.groups for i in range(1, g.n + 1)]
    bottoms = [0.0] * len(labels)
    for role in roles:
        heights = [_cost(g, role, run) for g in summary.groups for run in g.run_ids]
        name = "builder" if role == ORIGINAL else f"regenerator: {role}"
        axes.bar(range(len(labels)), heights, bottom=bottoms, color=colors[role], label=name)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axes.set_xticks(range(len(labels)), labels, rotation=90 if len(labels) > 12 else 0)
    axes.set_ylabel("USD")
    axes.set_ylim(bottom=0)
    unknown = sum(len(m.undefined) for g in summary.groups for m in _cost_columns(g))
    remarks = [f"{unknown} agent run(s) with no known price: omitted"] if unknown else []
    if not any(bottoms):
        remarks.append("every known cost is 0")
    if remarks:
        axes.text(0.5, 0.97, "\n".join(remarks), ha="center", va="top", transform=axes.transAxes)
    axes.legend(loc="upper right", fontsize="small")


def _cost_columns(group: Group) -> Iterator[MetricSummary]:
    for column in group.columns.values():
        if "cost_usd" in column:
            yield column["cost_usd"]


def _cost(group: Group, role: str, run: str) -> float:
    column = group.columns.get(role)
    metric = column.get("cost_usd") if column is not None else None
    return metric.values.get(run, 0.0) if metric is not None else 0.0
