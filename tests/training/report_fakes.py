"""Hand-built training results for the report, CLI and formula tests (no training runs)."""

from __future__ import annotations

from pathlib import Path

from training import RankMemory, StepRecord, Strategy, TrainConfig, TrainResult, model_state_memory
from training._formulas import STRATEGY_STAGE, checks
from training._types import CompareResult

PARAMETERS = 1_000_000
"""Ψ of the fake model."""


def fake_result(
    config: TrainConfig,
    *,
    parameters: int = PARAMETERS,
    tokens_per_s: float = 10_000.0,
    peak_rss: int = 400_000_000,
    scale: float = 1.0,
) -> TrainResult:
    """A run whose model states are `scale` times the strategy's formula, losses falling from 6."""
    ranks = 1 if config.strategy == "single" else config.world_size
    formula = model_state_memory(STRATEGY_STAGE[config.strategy], parameters, ranks)
    memory = [
        RankMemory(
            rank=rank,
            peak_rss_bytes=peak_rss + rank * 1_000_000,
            param_bytes=round(formula.param_bytes * scale),
            grad_bytes=round(formula.grad_bytes * scale),
            optimizer_bytes=round(formula.optimizer_bytes * scale),
        )
        for rank in range(ranks)
    ]
    tokens = config.seq_len * config.micro_batch * ranks
    steps = [
        StepRecord(step=s, loss=6.0 - 0.05 * s, step_time_s=0.1, tokens=tokens)
        for s in range(1, config.steps + 1)
    ]
    evals = [(s, 6.1 - 0.05 * s) for s in range(0, config.steps + 1, config.eval_every)]
    return TrainResult(
        config=config,
        parameters=parameters,
        steps=steps,
        eval_losses=evals,
        first_step_loss=6.0,
        final_eval_loss=evals[-1][1],
        tokens_per_s=tokens_per_s,
        mean_step_time_s=0.1,
        ranks=memory,
    )


def fake_compare(strategies: tuple[Strategy, ...] = ("single", "ddp", "zero3")) -> CompareResult:
    """A comparison of fake runs: single at 10,000 tokens/s, the i-th slower by 1 + 0.25 i."""
    results = [
        fake_result(
            TrainConfig(strategy=name, steps=20, eval_every=10),
            tokens_per_s=10_000.0 / (1 + 0.25 * i),
        )
        for i, name in enumerate(strategies)
    ]
    return CompareResult(
        results=results, formula_checks=checks(results), gguf_check="gemma3 GGUF: not supported."
    )


def fake_train(config: TrainConfig, out_dir: Path) -> TrainResult:
    """Stands in for training._launch.train: records nothing, returns a fake result at once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return fake_result(config)
