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

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import zip_longest
from pathlib import Path
from typing import NamedTuple, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from pydantic import TypeAdapter, ValidationError
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexers import PythonLexer  # type: ignore[import-untyped]
from pygments.token import STANDARD_TYPES  # type: ignore[import-untyped]

from agents import AgentRun, Journal, gives_journal
from agents.models import Usage
from analysis import (
    AGREEMENTS,
    AnalysisResult,
    HiddenTestRun,
    StructureResult,
    TestComparison,
    compare_tests,
)
from analysis._metrics import METRIC_LABELS, headline
from experiments._errors import ExperimentsError
from experiments._results import TrialResult, usage_by_role
from experiments._rundir import RunDir

TEMPLATES = Path(__file__).with_name("templates")
CONTEXT_LINES = 3
"""Unchanged lines kept around each change in the side-by-side diffs."""
MAX_MARKDOWN_DIFF_LINES = 150
"""Lines of unified diff per file in report.md before it is cut."""
FALLBACK_FILES = 2
"""Files linked from a failing test when no file is named in its failure."""
TRACEBACK_LINES = 40
"""Last lines of a test's traceback shown in report.html."""
HIGHLIGHT_SCOPE = ".hl"
_ANALYSES = TypeAdapter(dict[str, AnalysisResult])
_USAGE = TypeAdapter(dict[str, Usage])
_SECTION = re.compile(r"^_{3,} (.+?) _{3,}$", re.MULTILINE)
_SUMMARY_LINE = re.compile(r"^=+ .* =+$", re.MULTILINE)
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
NOT_AVAILABLE = "not available"
NOT_GIVEN = "—"
"""A journal metric's cell for an arm whose regenerator was not given the journal."""
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
    env = _environment()
    html = env.get_template("trial.html.j2").render(r=view, css=Markup(_css()))
    markdown = env.get_template("trial.md.j2").render(r=view)
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


@dataclass(frozen=True)
class _Run:
    dir: Path
    result: TrialResult
    analyses: dict[str, AnalysisResult]
    journal: Journal | None
    usage: dict[str, Usage] | None
    missing: list[str]
    """What could not be read, in words."""


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


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side diff."""

    kind: str
    """equal, change, delete (left only), insert (right only) or fold (unchanged lines hidden)."""
    left_no: int | None
    left: Markup
    right_no: int | None
    right: Markup
    folded: int = 0


@dataclass(frozen=True)
class FileDiff:
    """A Python file of the original against its counterpart in a regenerated codebase."""

    anchor: str
    original: str | None
    regenerated: str | None
    text: str
    ast: str
    score: float | None
    """Text similarity used to rank files (0 for an original file without counterpart)."""
    rows: list[DiffRow]
    unified: str
    cut: int
    """Lines of unified diff left out of report.md."""
    note: str = ""

    @property
    def title(self) -> str:
        """`a.py`, or `a.py → b.py` when the paths differ."""
        a, b = self.original or "", self.regenerated or ""
        return f"{a} → {b}" if a and b and a != b else a or b


@dataclass(frozen=True)
class Link:
    """A link from a failing test to a file diff."""

    anchor: str
    label: str
    reason: str


@dataclass(frozen=True)
class Regression:
    """A hidden test that passes on the original and fails on the regenerated code."""

    anchor: str
    nodeid: str
    outcome: str
    message: str
    traceback: str
    links: list[Link]


@dataclass(frozen=True)
class TreeNode:
    """A file or folder of the union of both file trees."""

    name: str
    status: str
    """added, removed, changed (in both, text differs), common (in both, the same), or mixed
    for a folder with more than one."""
    children: list[TreeNode] = field(default_factory=list)
    similarity: str = ""
    """Text similarity of a changed Python file, as the diff table shows it."""
    anchor: str = ""
    """The id of a changed Python file's diff."""


@dataclass(frozen=True)
class MetricRow:
    """One metric: original, regenerated and regenerated minus original."""

    label: str
    original: str
    regenerated: str
    delta: str


@dataclass(frozen=True)
class ArmView:
    """Everything the report shows about one arm."""

    name: str
    anchor: str
    agent: str
    analysis: AnalysisResult | None
    matrix: list[tuple[str, int]]
    tree: list[TreeNode]
    metrics: list[MetricRow]
    diffs: list[FileDiff]
    regressions: list[Regression]
    notes: list[str]

    @property
    def changed(self) -> int:
        """Files in both codebases whose text differs."""
        return _count_changed(self.tree)


def _count_changed(nodes: list[TreeNode]) -> int:
    return sum(_count_changed(n.children) if n.children else n.status == "changed" for n in nodes)


@dataclass(frozen=True)
class Segment:
    """A piece of journal text; `leaked` when it is a code line of the original."""

    text: str
    leaked: bool


@dataclass(frozen=True)
class EntryView:
    """One journal entry."""

    anchor: str
    index: int
    kind: str
    files: list[str]
    time: str
    segments: list[Segment]

    @property
    def leaks(self) -> bool:
        """Whether the entry holds a leaked code line."""
        return any(s.leaked for s in self.segments)


@dataclass(frozen=True)
class JournalView:
    """The journal with leaked code lines marked."""

    available: bool
    style: str
    code_policy: str
    entries: list[EntryView]
    leaked_lines: list[str]
    leakage_note: str


@dataclass(frozen=True)
class UsageRow:
    """Model usage and the agent's run for one role (or the total)."""

    role: str
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    retries: int
    latency: str
    cost: str
    stop: str
    turns: str
    duration: str


@dataclass(frozen=True)
class ReportView:
    """The whole report, ready for the templates."""

    title: str
    run_id: str
    header: list[tuple[str, str]]
    sandbox: str
    status: str
    error: str | None
    notes: list[str]
    missing: list[str]
    headline_columns: Sequence[str]
    headlines: list[tuple[str, list[str]]]
    arms: list[ArmView]
    journal: JournalView
    usage: list[UsageRow]
    timings: list[tuple[str, str]]

    @property
    def regressions(self) -> int:
        """Tests that fail only in regenerated code, over all arms."""
        return sum(len(arm.regressions) for arm in self.arms)


class _Anchors:
    """Unique, valid HTML ids."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def make(self, *parts: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(parts)).strip("-") or "x"
        anchor, n = base, 1
        while anchor in self._used:
            n += 1
            anchor = f"{base}-{n}"
        self._used.add(anchor)
        return anchor


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


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


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
    roots = (run.dir / "original", run.dir / "regenerated" / arm)
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


class _Leaf(NamedTuple):
    """A file of the tree: its status, and for a changed Python file its similarity and diff."""

    status: str
    similarity: str = ""
    anchor: str = ""


def _tree(
    structure: StructureResult, roots: tuple[Path, Path], diffs: list[FileDiff]
) -> list[TreeNode]:
    tree = structure.tree
    same_path = {d.original: d for d in diffs if d.original and d.original == d.regenerated}
    leaves = {path: _common(path, roots, same_path.get(path)) for path in tree.common}
    leaves |= dict.fromkeys(tree.added, _Leaf("added"))
    leaves |= dict.fromkeys(tree.removed, _Leaf("removed"))
    return _nodes([(tuple(path.split("/")), leaf) for path, leaf in sorted(leaves.items())])


def _common(path: str, roots: tuple[Path, Path], diff: FileDiff | None) -> _Leaf:
    """A file in both trees: common when its text is the same, else changed."""
    same = _same_text(roots[0] / path, roots[1] / path)
    if same is None:  # the files are not in the run directory: trust the analysis
        same = diff is None or diff.score is None or diff.score >= 1.0
    if same:
        return _Leaf("common")
    return _Leaf("changed", diff.text, diff.anchor) if diff else _Leaf("changed")


def _same_text(a: Path, b: Path) -> bool | None:
    """Whether two files hold the same text, line endings aside; None when either is missing."""
    try:
        left, right = a.read_bytes(), b.read_bytes()
    except OSError:
        return None
    return left.replace(b"\r\n", b"\n") == right.replace(b"\r\n", b"\n")


def _nodes(paths: list[tuple[tuple[str, ...], _Leaf]]) -> list[TreeNode]:
    groups: dict[str, list[tuple[tuple[str, ...], _Leaf]]] = {}
    for parts, leaf in paths:
        groups.setdefault(parts[0], []).append((parts[1:], leaf))
    nodes = []
    for name, members in groups.items():
        files = [leaf for rest, leaf in members if not rest]
        if files:
            leaf = files[0]
            nodes.append(TreeNode(name, leaf.status, [], leaf.similarity, leaf.anchor))
            continue
        children = _nodes([(rest, leaf) for rest, leaf in members])
        statuses = {c.status for c in children}
        status = statuses.pop() if len(statuses) == 1 else "mixed"
        nodes.append(TreeNode(f"{name}/", status, children))
    return sorted(nodes, key=lambda n: (not n.children, n.name))


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


def _diffs(run_dir: Path, arm: str, analysis: AnalysisResult, anchors: _Anchors) -> list[FileDiff]:
    sim = analysis.similarity
    pairs: list[tuple[str | None, str | None, float | None, float | None]] = [
        (f.original, f.regenerated, f.text, f.ast) for f in sim.files
    ]
    pairs += [(path, None, None, None) for path in sim.unmatched_original]
    pairs += [(None, path, None, None) for path in sim.unmatched_regenerated]
    roots = (run_dir / "original", run_dir / "regenerated" / arm)
    return [_diff(roots, arm, pair, anchors) for pair in pairs]


def _diff(
    roots: tuple[Path, Path],
    arm: str,
    pair: tuple[str | None, str | None, float | None, float | None],
    anchors: _Anchors,
) -> FileDiff:
    original, regenerated, text, ast = pair
    a, b = _source(roots[0], original), _source(roots[1], regenerated)
    unified = list(
        difflib.unified_diff(
            a or [],
            b or [],
            f"original/{original}" if original else "/dev/null",
            f"regenerated/{arm}/{regenerated}" if regenerated else "/dev/null",
            lineterm="",
        )
    )
    return FileDiff(
        anchor=anchors.make("diff", arm, original or regenerated or ""),
        original=original,
        regenerated=regenerated,
        text=_rate(text) if text is not None else "—",
        ast=_rate(ast) if ast is not None else "—",
        score=text if text is not None else (0.0 if regenerated is None else None),
        rows=_rows(a or [], b or []),
        unified="\n".join(unified[:MAX_MARKDOWN_DIFF_LINES]),
        cut=max(0, len(unified) - MAX_MARKDOWN_DIFF_LINES),
        note=_note(original, regenerated, a, b),
    )


def _note(
    original: str | None, regenerated: str | None, a: list[str] | None, b: list[str] | None
) -> str:
    if (original and a is None) or (regenerated and b is None):
        return "The file's text is not available in the run directory."
    if regenerated is None:
        return "No counterpart in the regenerated code."
    return "Only in the regenerated code." if original is None else ""


def _source(root: Path, path: str | None) -> list[str] | None:
    if path is None or not (root / path).is_file():
        return None
    text = (root / path).read_text(encoding="utf-8", errors="replace")
    return _lines(text)


def _lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removesuffix("\n").split("\n") if text else []


def _rows(a: list[str], b: list[str]) -> list[DiffRow]:
    left, right = _highlight(a), _highlight(b)
    rows: list[DiffRow] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            first, last = index == 0, index == len(opcodes) - 1
            rows += _equal(left, right, i1, i2, j1, first, last)
            continue
        kind = {"replace": "change", "delete": "delete", "insert": "insert"}[tag]
        for i, j in zip_longest(range(i1, i2), range(j1, j2)):
            rows.append(_row(kind, left, right, i, j))
    return rows


def _equal(
    left: list[Markup], right: list[Markup], i1: int, i2: int, j1: int, first: bool, last: bool
) -> list[DiffRow]:
    keep_head = 0 if first else CONTEXT_LINES
    keep_tail = 0 if last else CONTEXT_LINES
    n = i2 - i1
    if n <= keep_head + keep_tail + 1:
        return [_row("equal", left, right, i1 + k, j1 + k) for k in range(n)]
    rows = [_row("equal", left, right, i1 + k, j1 + k) for k in range(keep_head)]
    folded = n - keep_head - keep_tail
    rows.append(DiffRow("fold", None, Markup(""), None, Markup(""), folded))
    rows += [_row("equal", left, right, i1 + k, j1 + k) for k in range(n - keep_tail, n)]
    return rows


def _row(
    kind: str, left: list[Markup], right: list[Markup], i: int | None, j: int | None
) -> DiffRow:
    return DiffRow(
        kind,
        None if i is None else i + 1,
        Markup("") if i is None else left[i],
        None if j is None else j + 1,
        Markup("") if j is None else right[j],
    )


def _highlight(lines: list[str]) -> list[Markup]:
    """Each line as HTML with pygments' token classes (scoped under HIGHLIGHT_SCOPE)."""
    out: list[list[str]] = [[]]
    lexer = PythonLexer(stripnl=False, ensurenl=True)
    for ttype, value in lexer.get_tokens("\n".join(lines)):
        css = _css_class(ttype)
        for k, piece in enumerate(str(value).split("\n")):
            if k:
                out.append([])
            if piece:
                text = str(escape(piece))
                out[-1].append(f'<span class="{css}">{text}</span>' if css else text)
    return [Markup("".join(parts)) for parts in out[: len(lines)]]


def _css_class(ttype: object) -> str:
    while ttype not in STANDARD_TYPES:
        ttype = getattr(ttype, "parent")  # noqa: B009
    return str(STANDARD_TYPES[ttype])


def _css() -> str:
    return str(HtmlFormatter(style="default").get_style_defs(HIGHLIGHT_SCOPE))


# Tests that fail only in the regenerated code.


def _regressions(
    result: TrialResult,
    arm: str,
    tests: TestComparison | None,
    diffs: list[FileDiff],
    anchors: _Anchors,
) -> list[Regression]:
    if tests is None:
        return []
    run = result.tests.get(arm)
    outcomes = {o.nodeid: o for o in run.outcomes} if run else {}
    tracebacks = _tracebacks(run)
    found = []
    for nodeid, cell in tests.per_test.items():
        if cell != "original_only":
            continue
        outcome = outcomes.get(nodeid)
        message = outcome.message if outcome else ""
        traceback = tracebacks.get(".".join(nodeid.split("::")[1:]), "")
        found.append(
            Regression(
                anchor=anchors.make("regression", arm, nodeid),
                nodeid=nodeid,
                outcome=outcome.outcome if outcome else NOT_AVAILABLE,
                message=message or "(no message)",
                traceback=_tail(traceback),
                links=_links(f"{message}\n{traceback}", diffs),
            )
        )
    return found


def _tracebacks(run: HiddenTestRun | None) -> dict[str, str]:
    """Each test's failure section of the pytest output kept in the run, by its head line."""
    if run is None:
        return {}
    output = run.output_tail
    heads = list(_SECTION.finditer(output))
    found = {}
    for k, head in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(output)
        body = _SUMMARY_LINE.split(output[head.end() : end])[0]
        found[head.group(1)] = body.strip("\n")
    return found


def _tail(text: str) -> str:
    lines = text.splitlines()
    cut = len(lines) - TRACEBACK_LINES
    return "\n".join(([f"… ({cut} lines above)"] if cut > 0 else []) + lines[-TRACEBACK_LINES:])


def _links(failure: str, diffs: list[FileDiff]) -> list[Link]:
    named = [d for d in diffs if any(_mentions(failure, p) for p in (d.original, d.regenerated))]
    if named:
        return [Link(d.anchor, d.title, "named in the failure") for d in named]
    ranked = [d for d in diffs if d.score is not None and not _is_test(d.original or "")]
    ranked.sort(key=lambda d: (d.score, d.title))
    lowest = ranked[:FALLBACK_FILES]
    return [Link(d.anchor, d.title, f"lowest text similarity: {d.text}") for d in lowest]


def _mentions(text: str, path: str | None) -> bool:
    if not path:
        return False
    module = re.sub(r"(^src/)|(/__init__)?\.py$", "", path).replace("/", ".")
    return any(re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) for name in (module, path))


def _is_test(path: str) -> bool:
    *folders, name = path.split("/")
    if any(folder in ("test", "tests") for folder in folders):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


# The journal.


def _journal(run: _Run, anchors: _Anchors) -> JournalView:
    leaked = list(
        dict.fromkeys(
            line for a in run.analyses.values() if a.journal for line in a.journal.leaked_lines
        )
    )
    measured = any(a.journal is not None for a in run.analyses.values())
    note = "" if measured else "Leakage is not available: the journal was not analysed."
    journal = run.journal
    if journal is None:
        return JournalView(False, "", "", [], leaked, note)
    entries = [
        EntryView(
            anchor=anchors.make("journal", str(e.index)),
            index=e.index,
            kind=e.kind,
            files=e.files,
            time=_time(e.timestamp),
            segments=_segments(e.text.strip(), leaked),
        )
        for e in journal.entries
    ]
    return JournalView(True, journal.style, str(journal.code_policy), entries, leaked, note)


def _segments(text: str, leaked: Iterable[str]) -> list[Segment]:
    """`text` cut into plain and leaked pieces (a leaked line matches across any whitespace)."""
    spans: list[tuple[int, int]] = []
    for line in leaked:
        pattern = r"\s+".join(re.escape(word) for word in line.split())
        spans += [m.span() for m in re.finditer(pattern, text)]
    segments, at = [], 0
    for start, end in _merge(spans):
        if start > at:
            segments.append(Segment(text[at:start], False))
        segments.append(Segment(text[start:end], True))
        at = end
    if at < len(text) or not segments:
        segments.append(Segment(text[at:], False))
    return segments


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


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


def _rate(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"


def _signed(value: float) -> str:
    return f"{value:+.0f}" if value.is_integer() else f"{value:+.2f}"


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _cost(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    longest = max((len(m.group()) for m in re.finditer(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _environment() -> Environment:
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
