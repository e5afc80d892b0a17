"""ZeRO's model-state memory per rank (Rajbhandari et al. 2020) and the checks against it.

Mixed-precision Adam holds, per parameter, 2 bytes of fp16/bf16 weights, 2 bytes of gradients
and K = 12 bytes of optimizer state (fp32 master weights, momentum, variance). With N ranks:

    DP      (2 + 2 + K)Ψ          = 16Ψ
    stage 1  2Ψ + 2Ψ + KΨ/N       = 4Ψ + 12Ψ/N
    stage 2  2Ψ + (2 + K)Ψ/N      = 2Ψ + 14Ψ/N
    stage 3  (2 + 2 + K)Ψ/N       = 16Ψ/N

The paper's GB are 10^9 bytes: Ψ = 7.5B, N = 64 gives 120, 31.4, 16.6 and 1.9 GB.
Pure functions only: the CLI and the report call them; nothing here imports torch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from training._types import (
    FormulaCheck,
    FormulaMemory,
    Strategy,
    TrainingError,
    TrainResult,
    ZeroStage,
)

STAGES: tuple[ZeroStage, ...] = ("dp", "zero1", "zero2", "zero3")
"""The stages, from nothing sharded to everything sharded."""

STAGE_TITLES: dict[ZeroStage, str] = {
    "dp": "DP (baseline)",
    "zero1": "ZeRO-1 (P_os)",
    "zero2": "ZeRO-2 (P_os+g)",
    "zero3": "ZeRO-3 (P_os+g+p)",
}
"""The paper's names for each stage."""

STRATEGY_STAGE: dict[Strategy, ZeroStage] = {
    "single": "dp",
    "ddp": "dp",
    "fsdp2_zero2": "zero2",
    "fsdp2_zero3": "zero3",
    "zero1": "zero1",
    "zero2": "zero2",
    "zero3": "zero3",
}
"""The formula each strategy is checked against (FSDP2 without resharding ≈ stage 2)."""

PARAM_BYTES = 2
"""Bytes of one half-precision weight."""
GRAD_BYTES = 2
"""Bytes of one half-precision gradient."""
ADAM_K = 12
"""Optimizer bytes per parameter for mixed-precision Adam: fp32 weights, momentum, variance."""
TOLERANCE = 0.10
"""How far measured may lie from the formula and still count as matching it."""

_SUFFIXES = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
_COUNT = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?)\s*([KMBGT]?)\s*$", re.I)


def model_state_memory(
    stage: ZeroStage, params: float, ranks: int, k: int = ADAM_K
) -> FormulaMemory:
    """Bytes of parameters, gradients and optimizer states each of `ranks` ranks holds."""
    if params < 0 or ranks < 1 or k < 0:
        raise TrainingError(
            f"model_state_memory: params={params}, ranks={ranks}, k={k}; "
            "fix: params >= 0, ranks >= 1, k >= 0"
        )
    shard = 1.0 / ranks
    # Which of the three states each stage splits N ways (index = stage number).
    level = STAGES.index(stage)
    param_share = shard if level >= 3 else 1.0
    grad_share = shard if level >= 2 else 1.0
    optim_share = shard if level >= 1 else 1.0
    breakdown = (
        PARAM_BYTES * params * param_share,
        GRAD_BYTES * params * grad_share,
        k * params * optim_share,
    )
    return FormulaMemory(
        stage=stage,
        params=params,
        ranks=ranks,
        k=k,
        bytes_per_rank=sum(breakdown),
        param_bytes=breakdown[0],
        grad_bytes=breakdown[1],
        optimizer_bytes=breakdown[2],
    )


def all_stages(params: float, ranks: int, k: int = ADAM_K) -> list[FormulaMemory]:
    """model_state_memory for every stage, DP first."""
    return [model_state_memory(stage, params, ranks, k) for stage in STAGES]


def parse_count(text: str, option: str = "--params") -> float:
    """A positive count written as 7.5e9, 7.5B, 270M, 1_000_000 or 1,000 (K, M, B/G, T)."""
    match = _COUNT.match(text)
    value = math.nan
    if match:
        number = float(match.group(1).replace("_", "").replace(",", ""))
        value = number * _SUFFIXES[match.group(2).upper()]
    if not math.isfinite(value) or value <= 0:
        raise TrainingError(
            f"{option} {text!r}: not a positive count; fix: write e.g. 7.5e9, 7.5B or 270M"
        )
    return value


def parse_int(text: str, option: str, minimum: int, example: int = 64) -> int:
    """A whole number >= minimum, for options such as --ranks and --k."""
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise TrainingError(
            f"{option} {text!r}: not a whole number >= {minimum}; fix: write e.g. {example}"
        )
    return value


def parse_stages(text: str) -> list[ZeroStage]:
    """--stage: one of dp, zero1, zero2, zero3, or all."""
    name = text.strip().lower()
    if name == "all":
        return list(STAGES)
    for stage in STAGES:
        if stage == name:
            return [stage]
    raise TrainingError(
        f"--stage {text!r}: unknown stage; fix: use one of {', '.join(STAGES)} or all"
    )


def format_bytes(value: float) -> str:
    """Decimal units, as the paper counts them: 1.875e9 → '1.9 GB'."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{value:.0f} B"


def format_count(value: float) -> str:
    """A parameter count with a suffix: 7.5e9 → '7.5B', 2.7e8 → '270M'."""
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.0f}"


def measured_model_state(result: TrainResult) -> float:
    """Model-state bytes per rank, averaged over the run's ranks (0 when none were recorded)."""
    if not result.ranks:
        return 0.0
    return sum(rank.model_state_bytes for rank in result.ranks) / len(result.ranks)


def check(result: TrainResult, k: int = ADAM_K) -> FormulaCheck:
    """One run's measured model-state bytes per rank against its strategy's formula."""
    stage = STRATEGY_STAGE[result.config.strategy]
    ranks = 1 if result.config.strategy == "single" else result.config.world_size
    formula = model_state_memory(stage, result.parameters, ranks, k).bytes_per_rank
    measured = measured_model_state(result)
    ratio = measured / formula if formula > 0 else math.inf
    return FormulaCheck(
        strategy=result.config.strategy,
        stage=stage,
        measured_bytes=measured,
        formula_bytes=formula,
        ratio=ratio,
        within_10pct=abs(ratio - 1.0) <= TOLERANCE,
    )


def checks(results: Iterable[TrainResult], k: int = ADAM_K) -> list[FormulaCheck]:
    """check() for every run that recorded per-rank model-state bytes."""
    return [check(result, k) for result in results if result.ranks]


def formula_text(stage: ZeroStage, k: int = ADAM_K) -> str:
    """The stage's closed form for this K: '4Ψ + 12Ψ/N' for stage 1 with Adam."""
    return {
        "dp": f"{4 + k}Ψ",
        "zero1": f"4Ψ + {k}Ψ/N",
        "zero2": f"2Ψ + {2 + k}Ψ/N",
        "zero3": f"{4 + k}Ψ/N",
    }[stage]


def table_rows(memories: Sequence[FormulaMemory]) -> list[tuple[str, ...]]:
    """Rows of the `experiment train memory` table: stage, formula, per rank, and its split."""
    return [
        (
            STAGE_TITLES[memory.stage],
            formula_text(memory.stage, memory.k),
            format_bytes(memory.bytes_per_rank),
            format_bytes(memory.param_bytes),
            format_bytes(memory.grad_bytes),
            format_bytes(memory.optimizer_bytes),
        )
        for memory in memories
    ]
