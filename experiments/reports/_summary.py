"""The experiment summary: every trial under a folder of runs, grouped, with means and CIs.

Decisions a reader of the summary should know:

- A run directory is a folder holding run.yaml or results.json; folders inside it (the
  codebases, which may write files of any name) are not searched. Runs whose status is not
  `completed`, and runs with no results.json, are listed as not completed, with the reason
  recorded for them, and left out of every number. A run with no results.json is one that an
  experiment recorded as failed (its status.json), one that failed before its first step (no
  checkpoint: nothing to resume), or one killed on the way (resumable).
- A folder with no run directory, or with no completed trial, is an error that names the
  reasons: there is nothing to summarize, and an empty summary would read as a result.
- A group is one condition: task x builder model x regenerator model x journal style x code
  policy; within it, one column per codebase (`original` and each arm). Trials that differ in
  code policy are never pooled, since the policy changes what a journal may hold.
- A value that is undefined (fidelity when the original passes nothing, a cost with no known
  price, a missing headline) is left out of its mean and counted as undefined.
- Leakage, compression and journal tokens measure the journal, not the regeneration: they are
  given only for arms whose regenerator was given the journal (`agents.gives_journal`).
- Costs: the `original` column holds the builder's cost, an arm's column its regenerator's cost,
  and `trial_cost` the whole trial (all agents).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel, Field

from agents import gives_journal
from analysis import CONFIDENCE, RESAMPLES, Estimate, arm_statistics, bootstrap_mean
from analysis import fmt as _fmt
from experiments._errors import ExperimentsError
from experiments._results import TrialResult, usage_by_role
from experiments.reports._summary_runs import (
    NotCompleted,
    SummaryRun,
    _load_result,
    _run_record,
    find_runs,
)

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).with_name("templates")
SHOWN_FAILURES = 3
"""Runs named, with their reasons, in the error for a folder with no completed trial."""
ORIGINAL = "original"
MIN_TRIALS = 3
"""Groups with fewer trials than this get a warning: their intervals are not worth much."""
NO_INTERVAL = _fmt.NO_INTERVAL

Kind = _fmt.Kind


class Metric(NamedTuple):
    """A metric of the tables: its key, its label and how its numbers are written."""

    key: str
    label: str
    kind: Kind


METRICS = (
    Metric("pass_rate", "hidden-test pass rate", "pct"),
    Metric("fidelity", "fidelity (regenerated ÷ original pass rate)", "ratio"),
    Metric("text_similarity", "text similarity", "ratio"),
    Metric("ast_similarity", "AST similarity", "ratio"),
    Metric("leakage", "leakage (original code lines found in the journal)", "pct"),
    Metric("compression", "compression (journal ÷ code tokens)", "ratio"),
    Metric("journal_tokens", "journal tokens", "count"),
    Metric("cost_usd", "cost of the agent (USD)", "usd"),
)
METRIC = {m.key: m for m in METRICS}
DIFFERENCE_METRICS = ("fidelity", "pass_rate")
"""Metrics compared between arms on the same builder output."""
_HEADLINE_KEYS = ("text_similarity", "ast_similarity", "leakage", "compression", "journal_tokens")
JOURNAL_KEYS = frozenset({"leakage", "compression", "journal_tokens"})
"""Metrics of the journal itself: shown only for arms given the journal."""


class MetricSummary(BaseModel):
    """One metric of one codebase across the trials of a group."""

    values: dict[str, float]
    """Run id -> value, for the trials where it is defined."""
    undefined: list[str] = Field(default_factory=list)
    """Run ids where it is undefined (e.g. fidelity when the original passes nothing)."""
    estimate: Estimate | None
    """Mean with its bootstrap CI; None when no trial has a value."""


class Group(BaseModel):
    """One condition (task x models x journal style x code policy) and its trials."""

    id: str
    """G1, G2, ... in the order of the tables."""
    task: str
    builder_model: str
    regenerator_model: str
    journal_style: str
    code_policy: str
    run_ids: list[str]
    arms: list[str]
    columns: dict[str, dict[str, MetricSummary]]
    """`original` and each arm -> metric key -> summary."""
    trial_cost: MetricSummary
    """Cost of a whole trial (builder and every regenerator), in USD."""
    differences: dict[str, dict[str, Estimate]]
    """Metric -> "a - b" -> paired difference between arms over the same builder outputs."""

    @property
    def n(self) -> int:
        """Trials in the group."""
        return len(self.run_ids)

    @property
    def label(self) -> str:
        """The condition in words."""
        return (
            f"{self.task} · builder {self.builder_model} · regenerator {self.regenerator_model}"
            f" · {self.journal_style} journal · code policy {self.code_policy}"
        )


class ExperimentSummary(BaseModel):
    """Every completed trial under a folder of runs, grouped by condition."""

    runs_dir: str
    groups: list[Group]
    runs: list[SummaryRun]
    """The completed runs, sorted by run id."""
    not_completed: list[NotCompleted]
    notes: list[str]
    """The trials' notes (e.g. smoke-test or scripted mock models), each once."""
    warnings: list[str]
    confidence: float = CONFIDENCE
    resamples: int = RESAMPLES

    @property
    def n_trials(self) -> int:
        """Completed trials."""
        return len(self.runs)

    def distinct(self, field: str) -> list[str]:
        """The distinct values of a group field (task, builder_model, ...), in table order."""
        return list(dict.fromkeys(str(getattr(g, field)) for g in self.groups))

    @property
    def arms(self) -> list[str]:
        """Every arm of every group, in first-seen order."""
        return list(dict.fromkeys(arm for g in self.groups for arm in g.arms))

    @property
    def sandboxes(self) -> list[str]:
        """Sandbox backends the runs used."""
        return sorted({r.sandbox for r in self.runs})

    @property
    def tokenizers(self) -> list[str]:
        """Tokenizers named in the results."""
        return sorted({r.tokenizer for r in self.runs})

    @property
    def weaknesses(self) -> list[str]:
        """Sandbox guarantees lacking in any run."""
        return sorted({w for r in self.runs for w in r.weaknesses})

    @property
    def few_trials(self) -> list[Group]:
        """Groups with fewer than MIN_TRIALS trials."""
        return [g for g in self.groups if g.n < MIN_TRIALS]


# -- collecting the runs ---------------------------------------------------------------------


# -- the numbers -----------------------------------------------------------------------------


def summarize(values: Mapping[str, float | None]) -> MetricSummary:
    """Mean and CI of the defined values; the undefined ones are counted, not dropped silently."""
    defined = {run: v for run, v in values.items() if v is not None}
    return MetricSummary(
        values=defined,
        undefined=[run for run, v in values.items() if v is None],
        estimate=bootstrap_mean(list(defined.values())) if defined else None,
    )


def _original_values(result: TrialResult) -> dict[str, float | None]:
    builder = result.builder
    return {
        "pass_rate": result.pass_rates.get(ORIGINAL),
        "cost_usd": builder.usage.cost_usd if builder is not None else None,
    }


def _arm_values(result: TrialResult, arm: str) -> dict[str, float | None]:
    headlines = result.headlines.get(arm, {})
    regenerator = result.regenerators.get(arm)
    values: dict[str, float | None] = {
        "pass_rate": result.pass_rates.get(arm),
        "fidelity": result.fidelity.get(arm),
        "cost_usd": regenerator.usage.cost_usd if regenerator is not None else None,
    }
    keys = [k for k in _HEADLINE_KEYS if gives_journal(arm) or k not in JOURNAL_KEYS]
    values.update({key: headlines.get(key) for key in keys})
    return values


def _column(trials: list[TrialResult], codebase: str) -> dict[str, MetricSummary]:
    per_metric: dict[str, dict[str, float | None]] = {}
    for result in trials:
        if codebase != ORIGINAL and codebase not in result.arms:
            continue
        row = _original_values(result) if codebase == ORIGINAL else _arm_values(result, codebase)
        for key, value in row.items():
            per_metric.setdefault(key, {})[result.run_id] = value
    return {m.key: summarize(per_metric[m.key]) for m in METRICS if m.key in per_metric}


def _differences(
    columns: Mapping[str, Mapping[str, MetricSummary]], arms: list[str]
) -> dict[str, dict[str, Estimate]]:
    differences: dict[str, dict[str, Estimate]] = {}
    for metric in DIFFERENCE_METRICS:
        table: dict[str, dict[str, float]] = {}
        for arm in arms:
            for run, value in columns[arm][metric].values.items():
                table.setdefault(run, {})[arm] = value
        differences[metric] = arm_statistics(table).differences
    return differences


def _group(index: int, trials: list[TrialResult]) -> Group:
    first = trials[0]
    arms = list(dict.fromkeys(arm for result in trials for arm in result.arms))
    columns = {codebase: _column(trials, codebase) for codebase in [ORIGINAL, *arms]}
    costs = {r.run_id: usage_by_role(r)["total"].cost_usd for r in trials}
    return Group(
        id=f"G{index}",
        task=first.task,
        builder_model=first.models.get("builder", "unknown"),
        regenerator_model=first.models.get("regenerator", "unknown"),
        journal_style=first.journal_style,
        code_policy=first.code_policy,
        run_ids=[r.run_id for r in trials],
        arms=arms,
        columns=columns,
        trial_cost=summarize(costs),
        differences=_differences(columns, arms),
    )


def _group_key(result: TrialResult) -> tuple[str, str, str, str, str]:
    models = result.models
    return (
        result.task,
        models.get("builder", "unknown"),
        models.get("regenerator", "unknown"),
        result.journal_style,
        result.code_policy,
    )


def _warnings(groups: list[Group], not_completed: list[NotCompleted]) -> list[str]:
    warnings = [
        f"{g.id} has {g.n} trial(s), fewer than {MIN_TRIALS}: its intervals say little"
        + (" (a single trial has none)" if g.n == 1 else "")
        for g in groups
        if g.n < MIN_TRIALS
    ]
    if not groups:
        warnings.append("no completed trial: there is nothing to summarize")
    if not_completed:
        warnings.append(f"{len(not_completed)} run(s) not completed and left out (listed below)")
    return warnings


def experiment_report(runs_dir: Path) -> ExperimentSummary:
    """Read every run under `runs_dir` and compute the summary tables (nothing is written).

    Raises ExperimentsError when `runs_dir` is not a folder or holds no run directory.
    """
    completed: list[TrialResult] = []
    records: list[SummaryRun] = []
    not_completed: list[NotCompleted] = []
    for run_dir in find_runs(runs_dir):
        loaded = _load_result(run_dir)
        if isinstance(loaded, NotCompleted):
            not_completed.append(loaded)
            continue
        completed.append(loaded)
        records.append(_run_record(run_dir, loaded))
    by_key: dict[tuple[str, ...], list[TrialResult]] = {}
    for result in completed:
        by_key.setdefault(_group_key(result), []).append(result)
    groups = [_group(i, by_key[key]) for i, key in enumerate(sorted(by_key), start=1)]
    return ExperimentSummary(
        runs_dir=str(runs_dir),
        groups=groups,
        runs=records,
        not_completed=not_completed,
        notes=list(dict.fromkeys(note for result in completed for note in result.notes)),
        warnings=_warnings(groups, not_completed),
    )


def completed_report(runs_dir: Path) -> ExperimentSummary:
    """`experiment_report`, refused with the runs' reasons when no trial completed."""
    summary = experiment_report(runs_dir)
    if not summary.runs:
        raise ExperimentsError(f"{runs_dir}: {_no_completed(summary.not_completed)}")
    return summary


def _no_completed(failed: list[NotCompleted]) -> str:
    """One line: how many runs did not complete, and why, for the first few."""
    reasons = [
        f"{run.run_id} ({run.status}: {(run.error or 'no reason recorded').splitlines()[0]})"
        for run in failed[:SHOWN_FAILURES]
    ]
    if len(failed) > SHOWN_FAILURES:
        reasons.append(f"and {len(failed) - SHOWN_FAILURES} more")
    return (
        f"no completed trial to summarize; {len(failed)} run(s) did not complete: "
        f"{'; '.join(reasons)}; fix: the cause each names, then run or resume them"
    )


# -- formatting (shared by the summary and the post: the number check relies on it) -----------


fmt = _fmt.value
"""One number as the reports write it (`analysis.fmt.value`)."""
fmt_interval = _fmt.interval
fmt_estimate = _fmt.estimate


def fmt_summary(summary: MetricSummary, kind: Kind) -> str:
    """A table cell: the estimate, and how many trials left the metric undefined."""
    text = "undefined" if summary.estimate is None else fmt_estimate(summary.estimate, kind)
    if summary.undefined:
        text += f"; {len(summary.undefined)} undefined"
    return text


def interval_excludes_zero(estimate: Estimate) -> bool:
    """Whether a difference's CI lies wholly on one side of zero."""
    return (
        estimate.low is not None
        and estimate.high is not None
        and (estimate.low > 0 or estimate.high < 0)
    )


@cache
def environment(*, html: bool) -> Environment:
    """The Jinja environment of the summary and post templates, with the number filters (one
    per process and kind: each template is compiled once)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        fmt=fmt,
        estimate=fmt_estimate,
        cell=fmt_summary,
        md=lambda text: str(text).replace("|", "\\|").replace("\n", " "),
    )
    env.globals.update(
        METRICS=METRICS, METRIC=METRIC, ORIGINAL=ORIGINAL, MIN_TRIALS=MIN_TRIALS, pct=_pct
    )
    return env


def _pct(value: float) -> str:
    return fmt(value, "pct")


# -- writing ---------------------------------------------------------------------------------
