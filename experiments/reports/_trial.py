"""The per-trial report: report.html (self-contained, opens offline) and report.md from a run
directory's files (results.json, analysis.json, journal.jsonl, usage.json, the codebases).

Decisions a reader of the report should know:

- Everything shown is read back from the run directory with the typed models; nothing is rerun.
  A run without analysis.json (an older or failed run) renders what exists, saying what is not
  available; its agreement matrix is then taken from the hidden-test outcomes in results.json.
- A hidden test that fails only in the regenerated code links to the diffs of the files it most
  likely concerns: the files whose module name or path appears in its failure message or its
  traceback (from the pytest output kept in results.json), else the non-test files with the
  lowest text similarity. This is a heuristic pointer, not a proof of cause.
- Diffs fold unchanged runs longer than twice CONTEXT_LINES; the Markdown carries unified diffs,
  cut after MAX_MARKDOWN_DIFF_LINES lines.
- The structure tree marks a file in both codebases `changed` when its text differs (line
  endings aside) and `common` only when it is the same; a changed Python file shows its text
  similarity and links to its diff. Leakage and compression measure the journal, so they are
  shown only for the arms whose regenerator was given it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import NamedTuple, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup
from pydantic import TypeAdapter, ValidationError

from agents import AgentRun, Journal, gives_journal
from agents.models import Usage
from analysis import (
    AGREEMENTS,
    METRIC_LABELS,
    AnalysisResult,
    TestComparison,
    compare_tests,
    headline,
)
from experiments._errors import ExperimentsError
from experiments._results import TrialResult, usage_by_role
from experiments._rundir import RunDir
from experiments.reports._trial_diffs import (
    _css,
    _diffs,
)
from experiments.reports._trial_journal import _journal
from experiments.reports._trial_regressions import (
    _regressions,
)
from experiments.reports._trial_tree import _tree
from experiments.reports._trial_view import (
    NOT_AVAILABLE,
    NOT_GIVEN,
    ArmView,
    MetricRow,
    ReportView,
    UsageRow,
    _Anchors,
    _cost,
    _fence,
    _md_cell,
    _num,
    _rate,
    _ratio,
    _Run,
    _seconds,
    _signed,
    _time,
)

TEMPLATES = Path(__file__).with_name("templates")
_ANALYSES = TypeAdapter(dict[str, AnalysisResult])
_USAGE = TypeAdapter(dict[str, Usage])
_AGREEMENT_LABELS = {
    "both_pass": "both pass",
    "original_only": "original only",
    "regenerated_only": "regenerated only",
    "neither": "neither",
}
_HEADLINE_COLUMNS = (
    "original pass rate",
    "regenerated pass rate",
    "fidelity",
    "text similarity",
    "AST similarity",
    "API match",
    "leakage",
    "compression",
)
_T = TypeVar("_T")
_Format = Callable[[float | None], str]


class TrialReport(NamedTuple):
    """The report files written into a run directory."""

    html: Path
    markdown: Path


def trial_report(
    run_dir: Path,
    *,
    result: TrialResult | None = None,
    analyses: Mapping[str, AnalysisResult] | None = None,
) -> tuple[str, str]:
    """The report of one trial as (HTML, Markdown), rendered from the run directory's files.

    A trial that just ended passes its `result` and `analyses` from memory; the rest (the
    journal, the codebases) is read from the run directory.
    """
    view = _view(_load(run_dir, result, analyses))
    html = _template("trial.html.j2").render(r=view, css=Markup(_css()))
    markdown = _template("trial.md.j2").render(r=view)
    return html, markdown


def write_trial_report(
    run_dir: Path,
    *,
    result: TrialResult | None = None,
    analyses: Mapping[str, AnalysisResult] | None = None,
) -> TrialReport:
    """Write run_dir/report.html and run_dir/report.md; return their paths."""
    html, markdown = trial_report(run_dir, result=result, analyses=analyses)
    run = RunDir(run_dir)
    report = TrialReport(run.file(RunDir.REPORT_HTML), run.file(RunDir.REPORT_MD))
    report.html.write_text(html, encoding="utf-8")
    report.markdown.write_text(markdown, encoding="utf-8")
    return report


# Reading the run directory.


def _load(
    run_dir: Path,
    result: TrialResult | None,
    analyses: Mapping[str, AnalysisResult] | None,
) -> _Run:
    run = RunDir(run_dir)
    missing: list[str] = []
    if result is None:
        if not run.has(RunDir.RESULTS):
            raise ExperimentsError(
                f"{run.file(RunDir.RESULTS)}: not found; fix: give a run directory made by "
                "`experiment run` (an interrupted run writes it on `experiment resume`)"
            )
        result = run.read_results()
        usage = _read(run.file(RunDir.USAGE), _USAGE, missing)
    else:
        usage = usage_by_role(result)  # what usage.json holds, without reading it back
    if analyses is None:
        analyses = _read(run.file(RunDir.ANALYSIS), _ANALYSES, missing) or {}
    journal = None
    if run.has(RunDir.JOURNAL):
        try:
            journal = Journal.load(run_dir)
        except (ValueError, IndexError) as error:
            missing.append(f"{RunDir.JOURNAL} could not be read ({error}).")
    else:
        missing.append(f"{RunDir.JOURNAL} not found: the journal is not available.")
    return _Run(run_dir, result, dict(analyses), journal, usage, missing)


def _read(path: Path, adapter: TypeAdapter[_T], missing: list[str]) -> _T | None:
    if not path.is_file():
        missing.append(f"{path.name} not found: what it holds is not available.")
        return None
    try:
        return adapter.validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, json.JSONDecodeError) as error:
        first = str(error).splitlines()[0]
        missing.append(f"{path.name} could not be read ({first}): not available.")
        return None


# What the templates show.


def _view(run: _Run) -> ReportView:
    result, anchors = run.result, _Anchors()
    return ReportView(
        title=f"Trial report: {result.task}",
        run_id=result.run_id,
        header=_header(run),
        sandbox=_sandbox(result),
        status=result.status,
        error=result.error,
        notes=result.notes,
        missing=run.missing,
        headline_columns=_HEADLINE_COLUMNS,
        headlines=[(arm, _headline(result, arm)) for arm in result.arms],
        arms=[_arm(run, arm, anchors) for arm in result.arms],
        journal=_journal(run, anchors),
        usage=_usage(run),
        timings=[(step, _seconds(s)) for step, s in result.timings.items()],
    )


# Header and headline numbers.


def _header(run: _Run) -> list[tuple[str, str]]:
    r = run.result
    rows = [("Task", r.task), ("Run id", r.run_id)]
    rows += [(f"{role.capitalize()} model", model) for role, model in r.models.items()]
    rows += [
        ("Arms", ", ".join(r.arms)),
        ("Journal style", r.journal_style),
        ("Code policy", r.code_policy),
        ("Status", r.status),
        ("Started", _time(r.started_at)),
        ("Finished", _time(r.finished_at) if r.finished_at else "not finished"),
        ("Wall time", _wall(r)),
        ("Total cost", _total_cost(run.usage)),
    ]
    return rows


def _wall(result: TrialResult) -> str:
    if result.finished_at is None:
        return NOT_AVAILABLE
    return _seconds((result.finished_at - result.started_at).total_seconds())


def _total_cost(usage: dict[str, Usage] | None) -> str:
    if usage is None or "total" not in usage:
        return NOT_AVAILABLE
    return _cost(usage["total"].cost_usd)


def _sandbox(result: TrialResult) -> str:
    run = result.tests.get("original")
    if run is None:
        return NOT_AVAILABLE
    weak = f" (lacks: {'; '.join(run.weaknesses)})" if run.weaknesses else ""
    return run.backend + weak


def _headline(result: TrialResult, arm: str) -> list[str]:
    numbers = result.headlines.get(arm, {})
    rates = result.pass_rates
    fidelity = _ratio(result.fidelity[arm]) if arm in result.fidelity else NOT_AVAILABLE
    return [
        _rate(rates["original"]) if "original" in rates else NOT_AVAILABLE,
        _rate(rates[arm]) if arm in rates else NOT_AVAILABLE,
        fidelity,
        *(_known(numbers, key, _rate) for key in ("text_similarity", "ast_similarity")),
        _known(numbers, "api_match", _rate),
        *(_journal_metrics(numbers, arm)),
    ]


def _journal_metrics(numbers: dict[str, float | None], arm: str) -> list[str]:
    """Leakage and compression: properties of the journal, so only for arms given it."""
    if not gives_journal(arm):
        return [NOT_GIVEN, NOT_GIVEN]
    return [_known(numbers, "leakage", _rate), _known(numbers, "compression", _ratio)]


def _known(numbers: dict[str, float | None], key: str, show: _Format) -> str:
    return show(numbers[key]) if key in numbers else NOT_AVAILABLE


# One arm.


def _arm(run: _Run, arm: str, anchors: _Anchors) -> ArmView:
    analysis = run.analyses.get(arm)
    notes = [] if analysis else ["The analysis of this arm is not available."]
    tests = _comparison(run.result, arm, analysis)
    if tests is None:
        notes.append("Hidden-test results are not available.")
    diffs = _diffs(run.dir, arm, analysis, anchors) if analysis else []
    roots = (RunDir(run.dir).original, RunDir(run.dir).regenerated(arm))
    return ArmView(
        name=arm,
        anchor=anchors.make("arm", arm),
        agent=_agent(run.result.regenerators.get(arm)),
        analysis=analysis,
        matrix=[(_AGREEMENT_LABELS[c], tests.matrix[c]) for c in AGREEMENTS] if tests else [],
        tree=_tree(analysis.structure, roots, diffs) if analysis else [],
        metrics=_metrics(analysis) if analysis else [],
        diffs=diffs,
        regressions=_regressions(run.result, arm, tests, diffs, anchors),
        notes=notes,
    )


def _agent(run: AgentRun | None) -> str:
    if run is None:
        return "The regenerator's run is not available."
    error = f"; error: {run.error}" if run.error else ""
    turns = f"{run.turns} turns, {run.tool_errors} tool errors"
    return f"stopped: {run.stop_reason} after {turns}{error}"


def _comparison(
    result: TrialResult, arm: str, analysis: AnalysisResult | None
) -> TestComparison | None:
    if analysis is not None and analysis.tests is not None:
        return analysis.tests
    original, regenerated = result.tests.get("original"), result.tests.get(arm)
    return compare_tests(original, regenerated) if original and regenerated else None


def _metrics(analysis: AnalysisResult) -> list[MetricRow]:
    m = analysis.metrics
    rows = []
    for key, label in METRIC_LABELS.items():
        delta = m.deltas.get(key)
        rows.append(
            MetricRow(
                label,
                _num(_as_float(headline(m.original)[key])),
                _num(_as_float(headline(m.regenerated)[key])),
                "—" if delta is None else _signed(delta),
            )
        )
    return rows


def _as_float(value: float | None) -> float | None:
    return None if value is None else float(value)


# Diffs.


# Tests that fail only in the regenerated code.


# The journal.


# Model usage.


def _usage(run: _Run) -> list[UsageRow]:
    if run.usage is None:
        return []
    result = run.result
    agents = {"builder": result.builder} | {
        f"regenerator:{arm}": r for arm, r in result.regenerators.items()
    }
    rows = []
    for role, usage in run.usage.items():
        agent = agents.get(role)
        model = agent.model if agent else result.models.get(role.split(":")[0], "—")
        rows.append(
            UsageRow(
                role=role,
                model=model,
                calls=usage.calls,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cached_tokens=usage.cached_tokens,
                retries=usage.retries,
                latency=_seconds(usage.latency_s),
                cost=_cost(usage.cost_usd),
                stop=agent.stop_reason if agent else "—",
                turns=str(agent.turns) if agent else "—",
                duration=_seconds(agent.duration_s) if agent else "—",
            )
        )
    return rows


# Formatting.


_TEMPLATE_LOCK = threading.Lock()


def _template(name: str) -> Template:
    # Trials end in several threads at once: unlocked, each would compile the template
    # (50-60 ms under the GIL) before the first had cached it.
    with _TEMPLATE_LOCK:
        return _environment().get_template(name)


@cache
def _environment() -> Environment:
    # One environment per process: Jinja compiles each template once, not once per report.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = _md_cell
    env.filters["fence"] = _fence
    return env
