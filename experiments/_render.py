"""Rich terminal rendering of an analysis (the `experiment analyze` summary)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from analysis import AGREEMENTS, AnalysisResult
from analysis._metrics import METRIC_LABELS, headline

SHOWN = 8


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _rate(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.0%}"


def print_analysis(result: AnalysisResult, console: Console) -> None:
    """The whole summary: tests, structure, metrics, similarity, journal, skipped files."""
    lines = result.lines
    console.print(
        f"[bold]{result.original}[/bold] ({lines['original']} lines) vs "
        f"[bold]{result.regenerated}[/bold] ({lines['regenerated']} lines)"
    )
    _tests(result, console)
    _structure(result, console)
    _metrics(result, console)
    _similarity(result, console)
    _journal(result, console)
    for side, files in result.skipped.items():
        for path, reason in files.items():
            console.print(f"[yellow]skipped[/yellow] {side}:{path}: {reason}")


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
        f"({s.api.match_rate:.0%})"
    )
    for label, items in (("missing", s.api.missing), ("extra", s.api.extra)):
        if items:
            more = f" (+{len(items) - SHOWN} more)" if len(items) > SHOWN else ""
            console.print(f"  {label}: {', '.join(items[:SHOWN])}{more}")
    for mismatch in s.api.signature_mismatches[:SHOWN]:
        console.print(f"  signature {mismatch.key}: {mismatch.original} → {mismatch.regenerated}")
    for rename in s.renames[:SHOWN]:
        console.print(
            f"  {rename.kind}: {rename.original} → {rename.regenerated} ({rename.similarity:.2f})"
        )
    imports = s.imports
    console.print(f"  imports: +{len(imports.added)} -{len(imports.removed)} internal edges")
    for where, message in s.syntax_errors.items():
        console.print(f"  [red]syntax error[/red] {where}: {message}")


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
        f"[bold]Similarity[/bold]  text {_fmt(sim.text_overall)} · AST (TSED) "
        f"{_fmt(sim.ast_overall)} over {len(sim.files)} matched file(s)"
    )
    for f in sim.files[:SHOWN]:
        name = f.original if f.original == f.regenerated else f"{f.original} → {f.regenerated}"
        console.print(f"  {name}: text {_fmt(f.text)} · AST {_fmt(f.ast)}")


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
    console.print(f"  [dim]tokens: {j.tokenizer}[/dim]")
