"""`experiment train …`: ZeRO's memory calculator, one training run, and the strategy comparison.

Only typer is imported here; pydantic, rich, torch, DeepSpeed and matplotlib are imported
inside the commands, so that `experiment --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from usererrors import cli_errors

if TYPE_CHECKING:
    from training._compare import CompareConfig
    from training._types import FormulaMemory, TrainResult

train_app = typer.Typer(
    help="Distributed training lab: ZeRO memory, DDP/FSDP2/DeepSpeed runs, their comparison.",
    no_args_is_help=True,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="YAML: strategies, train (model_size, steps, seq_len, ...), failure, gguf.",
    ),
]
StepsOption = Annotated[int | None, typer.Option("--steps", help="Optimizer steps per run.")]
OutOption = Annotated[Path, typer.Option("--out", help="Folder for the runs and the report.")]


@train_app.command("memory")
@cli_errors
def memory(
    params: Annotated[
        str, typer.Option("--params", help="Ψ, parameters: 7.5e9, 7.5B or 270M.")
    ] = "7.5B",
    ranks: Annotated[str, typer.Option("--ranks", help="N, data-parallel ranks.")] = "64",
    stage: Annotated[str, typer.Option("--stage", help="dp, zero1, zero2, zero3, or all.")] = "all",
    k: Annotated[
        str, typer.Option("--k", help="Optimizer bytes per parameter (12: mixed-precision Adam).")
    ] = "12",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Model-state bytes per rank for each ZeRO stage (Rajbhandari et al. 2020; GB = 1e9 B)."""
    from training._formulas import model_state_memory, parse_count, parse_int, parse_stages

    psi = parse_count(params, "--params")
    n = parse_int(ranks, "--ranks", minimum=1)
    optimizer_k = parse_int(k, "--k", minimum=0, example=12)
    memories = [model_state_memory(s, psi, n, optimizer_k) for s in parse_stages(stage)]
    if as_json:
        typer.echo(json.dumps([m.model_dump() for m in memories], indent=2))
    else:
        _print_memory_table(memories)


def _print_memory_table(memories: list[FormulaMemory]) -> None:
    from rich.console import Console
    from rich.table import Table

    from training._formulas import format_count, table_rows

    first = memories[0]
    table = Table(
        title=f"Model states per rank: Ψ = {format_count(first.params)}, N = {first.ranks}, "
        f"K = {first.k} (GB = 1e9 bytes)"
    )
    for column in ("stage", "formula", "per rank", "params", "grads", "optimizer"):
        table.add_column(column, justify="left" if column in ("stage", "formula") else "right")
    for row in table_rows(memories):
        table.add_row(*row)
    Console(highlight=False).print(table)


def _settings(
    config: Path | None, strategies: str | None = None, **overrides: Any
) -> CompareConfig:
    """The --config file (or the defaults) with the command-line options on top."""
    from training._compare import CompareConfig, load_config, parse_strategies, with_overrides

    settings = load_config(config) if config else CompareConfig()
    if strategies is not None:
        settings = settings.model_copy(update={"strategies": parse_strategies(strategies)})
    return with_overrides(settings, **overrides)


def _summary(result: TrainResult) -> str:
    from training._formulas import check, format_bytes
    from training._report import peak_memory

    line = (
        f"{result.config.strategy}: {result.tokens_per_s:,.0f} tokens/s, "
        f"step {result.mean_step_time_s * 1000:.1f} ms, peak {format_bytes(peak_memory(result))}"
        f" per rank, loss {result.first_step_loss:.4f} → {result.final_eval_loss:.4f}"
    )
    if result.ranks:
        found = check(result)
        line += (
            f", model states {format_bytes(found.measured_bytes)} per rank"
            f" ({found.ratio:.2f} of the {found.stage} formula)"
        )
    if result.restarts:
        line += f", {result.restarts} restart(s) from step {result.resumed_from_step}"
    return line


@train_app.command("run")
@cli_errors
def run(
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy", help="single, ddp, fsdp2_zero2, fsdp2_zero3, zero1, zero2 or zero3."
        ),
    ],
    config: ConfigOption = None,
    steps: StepsOption = None,
    model_size: Annotated[
        str | None, typer.Option("--model-size", help="tiny, small, base.")
    ] = None,
    world_size: Annotated[
        int | None, typer.Option("--world-size", help="Processes (distributed strategies).")
    ] = None,
    out: OutOption = Path("runs/train"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Train once with one strategy; print its throughput, memory and loss."""
    from training._compare import parse_strategies, run_one

    [chosen] = parse_strategies(strategy, "--strategy", most=1)
    settings = _settings(config, steps=steps, model_size=model_size, world_size=world_size)
    result = run_one(settings.train, chosen, out / chosen)
    typer.echo(result.model_dump_json(indent=2) if as_json else _summary(result))


@train_app.command("compare")
@cli_errors
def compare(
    config: ConfigOption = None,
    strategies: Annotated[
        str | None,
        typer.Option("--strategies", help="Comma-separated, e.g. single,ddp,zero3 (default: all)."),
    ] = None,
    steps: StepsOption = None,
    out: OutOption = Path("runs/train-compare"),
) -> None:
    """Train every strategy on the same model, data and seed; write report.md, PNGs, JSON."""
    from training._compare import run_compare

    settings = _settings(config, strategies, steps=steps)
    result, paths = run_compare(settings, out, progress=lambda r: typer.echo(_summary(r)))
    for found in result.formula_checks:
        verdict = "within 10 %" if found.within_10pct else "NOT within 10 %"
        typer.echo(f"{found.strategy} vs {found.stage} formula: {found.ratio:.3f}, {verdict}")
    typer.echo(f"report: {paths.markdown}")
