"""Every strategy trains the same tiny model on 2 CPU ranks: loss, first step, memory per rank.

One run per strategy (30 steps), shared by the tests of this module. Slow tier.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.training.core_support import require, tiny
from training import STRATEGIES, Strategy, TrainResult, model_state_memory
from training._formulas import check
from training._types import ZeroStage

pytestmark = pytest.mark.slow

FIRST_STEP_TOLERANCE = 1e-2
"""Nats. Every strategy starts from the same fp32 init rounded to bf16 and sees the same global
batch; only reduction order differs (per-rank means averaged vs. one accumulated mean), so the
loss agrees to a bf16 rounding of it: 5.5 · 2^-9 ≈ 0.011 (observed spread: ~1e-5)."""
LEARNED = 1.0
"""Nats the held-out loss must drop in 30 steps (observed: 5.56 → ~3.4)."""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[Strategy, TrainResult]:
    require("torch", "transformers", "deepspeed")
    from training._launch import train

    root = tmp_path_factory.mktemp("strategies")
    results: dict[Strategy, TrainResult] = {}
    start = time.perf_counter()
    for strategy in STRATEGIES:
        results[strategy] = train(tiny(strategy), root / strategy)
    print(f"\n7 strategies trained in {time.perf_counter() - start:.0f} s")
    return results


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_each_strategy_lowers_the_held_out_loss(
    runs: dict[Strategy, TrainResult], strategy: Strategy
) -> None:
    result = runs[strategy]
    (first_step, initial), *_ = result.eval_losses
    assert first_step == 0 and result.eval_losses[-1][0] == 30
    assert result.final_eval_loss < initial - LEARNED
    assert len(result.steps) == 30 and result.tokens_per_s > 0


def test_same_seed_gives_the_same_first_step_loss(runs: dict[Strategy, TrainResult]) -> None:
    losses = {strategy: result.first_step_loss for strategy, result in runs.items()}
    assert max(losses.values()) - min(losses.values()) <= FIRST_STEP_TOLERANCE, losses


@pytest.mark.parametrize("strategy", ["single", "ddp", "fsdp2_zero3", "zero1", "zero2", "zero3"])
def test_model_state_per_rank_is_within_ten_percent_of_zero_formula(
    runs: dict[Strategy, TrainResult], strategy: Strategy
) -> None:
    result = runs[strategy]
    verdict = check(result)  # the report's own check: measured ÷ formula, per rank
    assert verdict.within_10pct, verdict
    assert len(result.ranks) == (1 if strategy == "single" else 2)
    assert all(rank.peak_rss_bytes > rank.model_state_bytes for rank in result.ranks)


def test_every_rank_holds_its_share(runs: dict[Strategy, TrainResult]) -> None:
    """Sharded strategies hold about the same on both ranks; replicated ones exactly the same."""
    for strategy in ("ddp", "zero1", "zero2", "zero3", "fsdp2_zero3"):
        states = [rank.model_state_bytes for rank in runs[strategy].ranks]
        assert max(states) <= 1.1 * min(states), (strategy, states)


def test_paper_split_for_replicated_and_zero1(runs: dict[Strategy, TrainResult]) -> None:
    """Not only the totals: 16-bit parameters and gradients, 12 bytes of Adam per parameter."""
    cases: list[tuple[Strategy, ZeroStage, int]] = [
        ("ddp", "dp", 2),
        ("single", "dp", 1),
        ("zero1", "zero1", 2),
    ]
    for strategy, stage, ranks in cases:
        result = runs[strategy]
        formula = model_state_memory(stage, result.parameters, ranks)
        for rank in result.ranks:
            assert rank.param_bytes == pytest.approx(formula.param_bytes, rel=0.01)
            assert rank.grad_bytes == pytest.approx(formula.grad_bytes, rel=0.01)
            assert rank.optimizer_bytes == pytest.approx(formula.optimizer_bytes, rel=0.01)


def test_fsdp2_zero2_matches_its_own_accounting(runs: dict[Strategy, TrainResult]) -> None:
    """FSDP2 without resharding peaks after forward: gathered bf16 parameters (2Ψ) + fp32
    shards (4Ψ/N) + Adam moments (8Ψ/N), gradients not yet made. That is 2Ψ + 12Ψ/N, 2Ψ/N
    under ZeRO-2's formula: 11 % at N = 2, so the formula check honestly reports a miss."""
    result = runs["fsdp2_zero2"]
    psi, ranks = result.parameters, 2
    for rank in result.ranks:
        assert rank.model_state_bytes == pytest.approx(2 * psi + 12 * psi / ranks, rel=0.02)
        assert rank.grad_bytes == 0
    assert check(result).ratio == pytest.approx((2 + 12 / ranks) / (2 + 14 / ranks), rel=0.02)
    assert any("2Ψ + 12Ψ/N" in note for note in result.notes)


def test_sharding_shrinks_model_state_stage_by_stage(runs: dict[Strategy, TrainResult]) -> None:
    state = {s: r.ranks[0].model_state_bytes for s, r in runs.items()}
    assert state["ddp"] > state["zero1"] > state["zero2"] > state["zero3"]
    assert state["ddp"] == state["single"]


def test_results_name_what_they_counted(runs: dict[Strategy, TrainResult], tmp_path: Path) -> None:
    for strategy, result in runs.items():
        assert any("model state peaks" in note for note in result.notes), strategy
        assert any("stdlib files" in note for note in result.notes), strategy


@pytest.mark.parametrize("strategy", ["fsdp2_zero3", "zero3"])
def test_activation_checkpointing_and_offload_leave_the_numbers_alone(
    runs: dict[Strategy, TrainResult], strategy: Strategy, tmp_path: Path
) -> None:
    """Recomputing activations gives the same gradients; offloading to the host moves nothing
    on a CPU-only machine. The first steps match the plain run's."""
    from training._launch import train

    config = tiny(strategy, steps=4, activation_checkpointing=True, cpu_offload=True)
    result = train(config, tmp_path / strategy)
    plain = runs[strategy].steps[:4]
    for ours, theirs in zip(result.steps, plain, strict=True):
        assert ours.loss == pytest.approx(theirs.loss, abs=FIRST_STEP_TOLERANCE)
    assert any("offload" in note.lower() for note in result.notes)
