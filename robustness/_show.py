"""What the commands print: variants with highlighted diffs, and a run's headline."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from robustness._diff import word_diffs
from robustness._variants import Variant

STYLES = {"same": "", "removed": "red strike", "added": "green bold"}
MARKERS = {"same": "{}", "removed": "[-{}-]", "added": "{{+{}+}}"}
"""Without colours (a pipe, a file): wdiff's markers."""


def print_variants(console: Any, variants: list[Variant], show: int) -> None:
    """Counts per family and kind, then `show` variants spread over the families, each with a
    word diff against its base prompt."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    counts = Counter((v.prompt_id, v.family, v.kind) for v in variants if v.relation != "clean")
    table = Table("prompt", "family", "kind", "variants", title=f"{sum(counts.values())} variants")
    for (prompt, family, kind), n in sorted(counts.items()):
        table.add_row(prompt, family, kind, str(n))
    console.print(table)
    bases = {v.prompt_id: v for v in variants if v.relation == "clean"}
    for variant in _spread(variants, show):
        tags = (
            f"{variant.family}/{variant.kind} severity {variant.severity} seed {variant.seed} "
            f"{variant.relation}"
        )
        console.print(
            f"\n[bold]{escape(variant.id)}[/bold]  {escape(tags)}\n{escape(variant.edit)}"
        )
        for role, pieces in word_diffs(bases[variant.prompt_id], variant):
            text = Text(f"[{role}] ", style="dim")
            for piece in pieces:
                if console.is_terminal and not console.no_color:
                    text.append(piece.text, style=STYLES[piece.op])
                else:
                    text.append(MARKERS[piece.op].format(piece.text))
            console.print(text)


def _spread(variants: list[Variant], show: int) -> list[Variant]:
    """`show` variants, one family after another."""
    pools: dict[str, list[Variant]] = {}
    for v in variants:
        if v.relation != "clean":
            pools.setdefault(v.family, []).append(v)
    picked: list[Variant] = []
    index = 0
    while len(picked) < show and any(index < len(p) for p in pools.values()):
        for pool in pools.values():
            if index < len(pool) and len(picked) < show:
                picked.append(pool[index])
        index += 1
    return picked


def print_headline(console: Any, folder: Path) -> None:
    """A run's headline numbers from its metrics.json, and where the report is."""
    from analysis import Estimate, fmt
    from robustness._report import floor_text

    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    kind: fmt.Kind = "pct" if metrics["metric"] == "pass" else "ratio"
    for prompt_id, nominal in metrics["nominal"].items():
        console.print(f"[bold]{prompt_id}[/bold] nominal {fmt.estimate(Estimate(**nominal), kind)}")
        noise = metrics["noise"].get(prompt_id) or {}
        if noise.get("self_drop"):
            console.print(f"  noise floor {floor_text(noise['floor'], metrics['metric'])}")
        for row in metrics["families"]:
            if row["prompt_id"] != prompt_id:
                continue
            verdict = "[red]fragile[/red]" if row["fragile"] else "not fragile"
            drop = fmt.estimate(Estimate(**row["drop"]), kind, difference=True)
            console.print(f"  {row['family']:<11} drop {drop}  {verdict}")
    console.print(f"report: {folder / 'report.md'}")
