"""The trial report's diffs: side-by-side rows with folded context, highlighted Python, and
the unified diff for report.md."""

from __future__ import annotations

import difflib
from itertools import zip_longest
from pathlib import Path

from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexers import PythonLexer  # type: ignore[import-untyped]
from pygments.token import STANDARD_TYPES  # type: ignore[import-untyped]

from analysis import (
    AnalysisResult,
)
from experiments._rundir import RunDir
from experiments.reports._trial_view import (
    CONTEXT_LINES,
    HIGHLIGHT_SCOPE,
    MAX_MARKDOWN_DIFF_LINES,
    DiffRow,
    FileDiff,
    _Anchors,
    _rate,
)


def _diffs(run_dir: Path, arm: str, analysis: AnalysisResult, anchors: _Anchors) -> list[FileDiff]:
    sim = analysis.similarity
    pairs: list[tuple[str | None, str | None, float | None, float | None]] = [
        (f.original, f.regenerated, f.text, f.ast) for f in sim.files
    ]
    pairs += [(path, None, None, None) for path in sim.unmatched_original]
    pairs += [(None, path, None, None) for path in sim.unmatched_regenerated]
    roots = (RunDir(run_dir).original, RunDir(run_dir).regenerated(arm))
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
