"""Writing an experiment summary: summary.html (self-contained), summary.md and the plots."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from experiments.reports._summary import ExperimentSummary, completed_report, environment


class SummaryFiles(NamedTuple):
    """The files written by `write_experiment_report`."""

    html: Path
    markdown: Path
    fidelity_by_arm: Path
    pass_rates: Path
    fidelity_vs_journal: Path
    cost_per_trial: Path


def write_experiment_report(runs_dir: Path) -> SummaryFiles:
    """Write summary.html (self-contained), summary.md and the plots (PNG) into `runs_dir`.

    Raises ExperimentsError, naming the runs' reasons, when no trial under it completed.
    """
    return write_summary(completed_report(runs_dir), runs_dir)


def write_summary(summary: ExperimentSummary, runs_dir: Path) -> SummaryFiles:
    """Write the files of `write_experiment_report` for a summary already computed."""
    from experiments.reports._plots import PLOTS, write_plots

    plots = write_plots(summary, runs_dir)
    html = runs_dir / "summary.html"
    markdown = runs_dir / "summary.md"
    figures = [
        (title, caption, path, _data_uri(path))
        for (title, caption), path in zip(PLOTS.values(), plots, strict=True)
    ]
    context = {"summary": summary, "figures": figures}
    html.write_text(_render("summary.html.j2", context, html=True), encoding="utf-8")
    markdown.write_text(_render("summary.md.j2", context, html=False), encoding="utf-8")
    return SummaryFiles(html, markdown, *plots)


def _render(template: str, context: Mapping[str, Any], *, html: bool) -> str:
    return environment(html=html).get_template(template).render(**context)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
