"""What the trial report's templates show: typed rows and views, the number formats it uses,
and unique anchors for the links between its sections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from agents import Journal
from agents.models import Usage
from analysis import (
    AnalysisResult,
    fmt,
)
from experiments._results import TrialResult

CONTEXT_LINES = 3
"""Unchanged lines kept around each change in the side-by-side diffs."""
MAX_MARKDOWN_DIFF_LINES = 150
"""Lines of unified diff per file in report.md before it is cut."""
FALLBACK_FILES = 2
"""Files linked from a failing test when no file is named in its failure."""
TRACEBACK_LINES = 40
"""Last lines of a test's traceback shown in report.html."""
HIGHLIGHT_SCOPE = ".hl"
NOT_AVAILABLE = "not available"
NOT_GIVEN = "—"
"""A journal metric's cell for an arm whose regenerator was not given the journal."""


@dataclass(frozen=True)
class _Run:
    dir: Path
    result: TrialResult
    analyses: dict[str, AnalysisResult]
    journal: Journal | None
    usage: dict[str, Usage] | None
    missing: list[str]
    """What could not be read, in words."""


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


def _rate(value: float | None) -> str:
    return fmt.rate(value, 1)


_ratio = fmt.ratio


_num = fmt.number


_signed = fmt.signed


_seconds = fmt.seconds


_cost = fmt.usd


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    longest = max((len(m.group()) for m in re.finditer(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
