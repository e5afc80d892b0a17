"""Rich terminal rendering of an analysis (the `experiment analyze` summary)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from analysis import AGREEMENTS, METRIC_LABELS, AnalysisResult, fmt, headline

SHOWN = 8
"""Items of a list printed before "+N more"."""
_T = TypeVar("_T")


def _fmt(value: float | None) -> str:
    return fmt.number(value, missing="-")


_rate = fmt.rate
_score = fmt.score


def _first(items: Sequence[_T]) -> tuple[Sequence[_T], str]:
    """The items to print and the "+N more" note for the rest ("" when all are shown)."""
    rest = len(items) - SHOWN
    return items[:SHOWN], f"+{rest} more" if rest > 0 else ""


def _names(items: Sequence[str]) -> str:
    shown, more = _first(items)
    return escape(", ".join(shown)) + (f" ({more})" if more else "")


def print_analysis(result: AnalysisResult, console: Console) -> None:
    """The whole summary: tests, structure, metrics, similarity, journal, skipped files."""
    lines = result.lines
    console.print(
        f"[bold]{escape(str(result.original))}[/bold] ({lines['original']} lines) vs "
        f"[bold]{escape(str(result.regenerated))}[/bold] ({lines['regenerated']} lines)"
    )
    _tests(result, console)
    _structure(result, console)
    _metrics(result, console)
    _similarity(result, console)
    _journal(result, console)
    for side, files in result.skipped.items():
        for path, reason in files.items():
            console.print(f"[yellow]skipped[/yellow] {escape(f'{side}:{path}: {reason}')}")


def _tests(result: AnalysisResult, console: Console) -> None:
    if result.tests is None:
        return
    t = result.tests
    fidelity = "undefined" if t.fidelity is None else f"{t.fidelity:.2f}"
    console.print(
        f"\n[bold]Hidden tests[/bold]  original {_rate(t.original_pass_rate)} · regenerated "
        f"{_rate(t.regenerated_pass_rate)} · fidelity {fidelity}"
    )
    matrix = Table("both pass", "original only", "regenerated only", "neither")
    matrix.add_row(*(str(t.matrix[cell]) for cell in AGREEMENTS))
    console.print(matrix)


def _structure(result: AnalysisResult, console: Console) -> None:
    s = result.structure
    console.print(
        f"\n[bold]Structure[/bold]  files +{len(s.tree.added)} -{len(s.tree.removed)} "
        f"={len(s.tree.common)} · public API matched {s.api.matched}/{s.api.total} "
        f"({_rate(s.api.match_rate)})"
    )
    for label, items in (("missing", s.api.missing), ("extra", s.api.extra)):
        if items:
            console.print(f"  {label}: {_names(items)}")
    mismatches, more = _first(s.api.signature_mismatches)
    for mismatch in mismatches:
        change = f"{mismatch.key}: {mismatch.original} → {mismatch.regenerated}"
        console.print(f"  signature {escape(change)}")
    if more:
        console.print(f"  signatures: {more}")
    renames, more = _first(s.renames)
    for rename in renames:
        console.print(
            f"  {rename.kind}: {escape(f'{rename.original} → {rename.regenerated}')} "
            f"({_score(rename.similarity)})"
        )
    if more:
        console.print(f"  renames and moves: {more}")
    imports = s.imports
    console.print(f"  imports: +{len(imports.added)} -{len(imports.removed)} internal edges")
    for where, message in s.syntax_errors.items():
        console.print(f"  [red]syntax error[/red] {escape(f'{where}: {message}')}")


def _metrics(result: AnalysisResult, console: Console) -> None:
    m = result.metrics
    table = Table("metric", "original", "regenerated", "delta", title="Metrics (radon)")
    values = {"original": headline(m.original), "regenerated": headline(m.regenerated)}
    for key, label in METRIC_LABELS.items():
        delta = m.deltas.get(key)
        table.add_row(
            label,
            _fmt(values["original"][key]),
            _fmt(values["regenerated"][key]),
            "-" if delta is None else f"{delta:+.2f}",
        )
    console.print(table)


def _similarity(result: AnalysisResult, console: Console) -> None:
    sim = result.similarity
    console.print(
        f"[bold]Similarity[/bold]  text {_score(sim.text_overall)} · AST (TSED) "
        f"{_score(sim.ast_overall)} over {len(sim.files)} matched file(s)"
    )
    files, more = _first(sim.files)
    for f in files:
        name = f.original if f.original == f.regenerated else f"{f.original} → {f.regenerated}"
        console.print(f"  {escape(name)}: text {_score(f.text)} · AST {_score(f.ast)}")
    if more:
        console.print(f"  {more} matched file(s)")
    for label, paths in (
        ("only in the original (scored 0)", sim.unmatched_original),
        ("only in the regeneration (not scored)", sim.unmatched_regenerated),
    ):
        if paths:
            console.print(f"  {label}: {_names(paths)}")


def _journal(result: AnalysisResult, console: Console) -> None:
    j = result.journal
    if j is None:
        return
    per_1k = _fmt(result.fidelity_per_1k_journal_tokens)
    console.print(
        f"\n[bold]Journal[/bold]  {j.journal_tokens} tokens, {j.journal_words} words · compression "
        f"{_fmt(j.compression)} · leakage {_rate(j.leakage)} ({len(j.leaked_lines)}/"
        f"{j.nontrivial_lines} lines) · fidelity per 1k tokens {per_1k}"
    )
    console.print(f"  [dim]tokens: {escape(j.tokenizer)}[/dim]")
