"""ZeRO's model-state formulas: the paper's example, their shape in N, and the checks on runs."""

from __future__ import annotations

import pytest

from training import (
    RankMemory,
    TrainConfig,
    TrainingError,
    TrainResult,
    all_stages,
    format_bytes,
    model_state_memory,
)
from training._formulas import STAGES, check, checks, format_count, parse_count, parse_stages
from training._types import ZeroStage

PSI = 7.5e9


def test_the_papers_example_in_gigabytes_of_1e9_bytes() -> None:
    # Rajbhandari et al. 2020, Figure 1: Ψ = 7.5B, N = 64 → 120, 31.4, 16.6, 1.9 GB.
    got = [round(memory.bytes_per_rank / 1e9, 1) for memory in all_stages(PSI, 64)]
    assert got == [120.0, 31.4, 16.6, 1.9]
    assert [format_bytes(m.bytes_per_rank) for m in all_stages(PSI, 64)] == [
        "120.0 GB",
        "31.4 GB",
        "16.6 GB",
        "1.9 GB",
    ]


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("dp", 16 * PSI),
        ("zero1", 4 * PSI + 12 * PSI / 64),
        ("zero2", 2 * PSI + 14 * PSI / 64),
        ("zero3", 16 * PSI / 64),
    ],
)
def test_each_stage_matches_its_closed_form(stage: ZeroStage, expected: float) -> None:
    memory = model_state_memory(stage, PSI, 64)
    assert memory.bytes_per_rank == pytest.approx(expected)
    assert memory.param_bytes + memory.grad_bytes + memory.optimizer_bytes == pytest.approx(
        memory.bytes_per_rank
    )


def test_breakdown_shards_optimizer_then_grads_then_params() -> None:
    dp, one, two, three = all_stages(1e6, 4)
    assert (dp.param_bytes, dp.grad_bytes, dp.optimizer_bytes) == (2e6, 2e6, 12e6)
    assert (one.param_bytes, one.grad_bytes, one.optimizer_bytes) == (2e6, 2e6, 3e6)
    assert (two.param_bytes, two.grad_bytes, two.optimizer_bytes) == (2e6, 0.5e6, 3e6)
    assert (three.param_bytes, three.grad_bytes, three.optimizer_bytes) == (0.5e6, 0.5e6, 3e6)


@pytest.mark.parametrize("stage", STAGES)
def test_one_rank_holds_everything_in_every_stage(stage: ZeroStage) -> None:
    assert model_state_memory(stage, 1e9, 1).bytes_per_rank == 16e9


@pytest.mark.parametrize("ranks", [1, 2, 8, 64, 1024])
def test_stage_3_scales_as_one_over_n_and_stages_never_grow(ranks: int) -> None:
    memories = all_stages(PSI, ranks)
    assert memories[3].bytes_per_rank * ranks == pytest.approx(16 * PSI)
    per_rank = [memory.bytes_per_rank for memory in memories]
    assert per_rank == sorted(per_rank, reverse=True)


def test_stages_1_and_2_approach_4_and_2_bytes_per_parameter() -> None:
    _, one, two, _ = all_stages(1.0, 10**9)
    assert one.bytes_per_rank == pytest.approx(4.0, abs=1e-6)
    assert two.bytes_per_rank == pytest.approx(2.0, abs=1e-6)


def test_k_is_the_optimizer_bytes_per_parameter() -> None:
    assert model_state_memory("dp", 1.0, 1, k=8).bytes_per_rank == 12.0


@pytest.mark.parametrize(
    ("text", "value"),
    [("7.5e9", 7.5e9), ("7.5B", 7.5e9), ("270M", 2.7e8), ("1_000", 1e3), ("2k", 2e3), ("1G", 1e9)],
)
def test_parse_count_accepts_the_usual_forms(text: str, value: float) -> None:
    assert parse_count(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["-5", "0", "seven", "7.5X", "", "nan"])
def test_parse_count_rejects_with_the_option_and_a_fix(text: str) -> None:
    with pytest.raises(TrainingError, match=r"^--params .*fix: write e\.g\. 7\.5e9"):
        parse_count(text)


def test_parse_stages() -> None:
    assert parse_stages("all") == list(STAGES)
    assert parse_stages("ZeRO2") == ["zero2"]
    with pytest.raises(TrainingError, match=r"--stage 'zero4'.*fix"):
        parse_stages("zero4")


def test_formatting() -> None:
    assert format_bytes(999) == "999 B"
    assert format_bytes(1.5e6) == "1.5 MB"
    assert format_count(7.5e9) == "7.5B"
    assert format_count(2.7e8) == "270M"


def run(strategy: str, parameters: int, per_rank: list[int], world_size: int = 2) -> TrainResult:
    config = TrainConfig(strategy=strategy, world_size=world_size)
    ranks = [
        RankMemory(rank=i, peak_rss_bytes=10**8, param_bytes=b, grad_bytes=0, optimizer_bytes=0)
        for i, b in enumerate(per_rank)
    ]
    return TrainResult(
        config=config,
        parameters=parameters,
        first_step_loss=5.0,
        final_eval_loss=4.0,
        tokens_per_s=1000.0,
        mean_step_time_s=0.1,
        ranks=ranks,
    )


def test_check_compares_the_mean_over_ranks_with_the_strategys_stage() -> None:
    # ZeRO-3 on 2 ranks: 16Ψ/2 = 8 bytes per parameter per rank.
    result = check(run("zero3", 1000, [8200, 8000]))
    assert (result.stage, result.formula_bytes, result.measured_bytes) == ("zero3", 8000, 8100)
    assert result.ratio == pytest.approx(1.0125)
    assert result.within_10pct
    far = check(run("zero1", 1000, [16000, 16000]))  # 4Ψ + 12Ψ/2 = 10000 expected
    assert far.ratio == pytest.approx(1.6) and not far.within_10pct


def test_single_is_checked_against_one_rank_whatever_the_world_size() -> None:
    assert check(run("single", 1000, [16000], world_size=2)).formula_bytes == 16000


def test_fsdp2_strategies_map_to_stages_2_and_3() -> None:
    assert check(run("fsdp2_zero2", 10, [1])).stage == "zero2"
    assert check(run("fsdp2_zero3", 10, [1])).stage == "zero3"


def test_checks_skip_runs_without_rank_memory() -> None:
    assert [c.strategy for c in checks([run("ddp", 10, []), run("ddp", 10, [160])])] == ["ddp"]
