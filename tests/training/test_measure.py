"""Counting model state by storage, the mixed-precision Adam, and the launcher's pure parts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.training.core_support import require, tiny

require("torch", "transformers")

import torch  # noqa: E402  (after the dependency gate)

from training import RankMemory, StepRecord  # noqa: E402
from training._launch import _check_failure, merge  # noqa: E402
from training._measure import MemoryProbe, StateTensors, measure, storage_bytes  # noqa: E402
from training._strategies import (  # noqa: E402
    MixedPrecisionAdam,
    _category,
    deepspeed_config,
)
from training._types import TrainingError  # noqa: E402
from training._worker import RankReport  # noqa: E402


def test_views_of_one_buffer_count_once_at_the_buffer_size() -> None:
    flat = torch.zeros(100, dtype=torch.bfloat16)  # like a DDP bucket or DeepSpeed's flat buffer
    views = [flat[:60], flat[60:], flat.view(10, 10)]
    assert storage_bytes(views, set()) == 200
    assert storage_bytes([torch.zeros(0), None], set()) == 0


def test_a_storage_counts_in_the_first_category_that_holds_it() -> None:
    weight = torch.zeros(10)
    state = measure(StateTensors(params=[weight], grads=[weight[:5]], optimizer=[torch.zeros(3)]))
    assert (state.param_bytes, state.grad_bytes, state.optimizer_bytes) == (40, 0, 12)


def test_the_probe_keeps_the_largest_state_and_its_time_apart() -> None:
    tensors = {"grads": [torch.zeros(4)]}
    probe = MemoryProbe(lambda: StateTensors([torch.zeros(2)], tensors["grads"], []))
    probe("after backward")
    tensors["grads"] = []
    probe("after step")
    assert probe.peak.total == 24 and probe.where == "after backward" and probe.spent_s > 0
    probe.enabled = False
    tensors["grads"] = [torch.zeros(100)]
    probe("ignored")
    assert probe.peak.total == 24


def _grads(params: Sequence[torch.Tensor], step: int) -> None:
    generator = torch.Generator().manual_seed(step)
    for param in params:
        param.grad = torch.randn(param.shape, generator=generator).to(param.dtype)


def test_mixed_precision_adam_does_torch_adamw_arithmetic() -> None:
    ours = [torch.nn.Parameter(torch.randn(7, 3)), torch.nn.Parameter(torch.randn(5))]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    adam = MixedPrecisionAdam([("a", ours[0]), ("b", ours[1])], lr=1e-2, keep_master=False)
    reference = torch.optim.AdamW(theirs, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    for step in range(3):
        _grads(ours, step)
        _grads(theirs, step)
        adam.step()
        reference.step()
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))


def test_bf16_model_with_fp32_masters_holds_the_papers_sixteen_bytes() -> None:
    param = torch.nn.Parameter(torch.randn(1000).to(torch.bfloat16))
    adam = MixedPrecisionAdam([("w", param)], lr=1e-3, keep_master=True)
    _grads([param], 0)
    adam.step()
    state = measure(StateTensors([param.data], [param.grad], adam.tensors()))  # type: ignore[list-item]
    assert (state.param_bytes, state.grad_bytes, state.optimizer_bytes) == (2000, 2000, 12000)
    assert torch.equal(param.data, adam.master[0].to(torch.bfloat16))
    assert set(adam.state()) == {"model.w", "optim.w.exp_avg", "optim.w.exp_avg_sq", "optim.w.step"}


def test_fp32_model_is_its_own_master_copy() -> None:
    param = torch.nn.Parameter(torch.randn(1000))
    adam = MixedPrecisionAdam([("w", param)], lr=1e-3, keep_master=False)
    _grads([param], 0)
    adam.step()
    state = measure(StateTensors([param.data], [param.grad], adam.tensors()))  # type: ignore[list-item]
    assert (state.param_bytes, state.grad_bytes, state.optimizer_bytes) == (4000, 4000, 8000)


def test_zero_optimizer_attributes_are_classified_by_name() -> None:
    assert _category(".averaged_gradients") == "grads"
    assert _category(".grad_partitions_flat_buffer") == "grads"
    assert _category(".single_partition_of_fp32_groups") == "optimizer"
    assert _category(".fp32_partitioned_groups_flat") == "optimizer"
    assert _category(".bit16_groups_flat") == "params"


def test_deepspeed_config_uses_torch_adam_without_decay_and_aligned_buckets() -> None:
    config = deepspeed_config(tiny("zero3", cpu_offload=True), 3, psi=10_000_000)
    adam = config["optimizer"]["params"]
    assert adam["torch_adam"] is True and adam["weight_decay"] == 0.0
    zero = config["zero_optimization"]
    assert zero["stage"] == 3 and zero["reduce_bucket_size"] % 64 == 0
    assert zero["stage3_param_persistence_threshold"] == 0
    assert zero["offload_param"] == {"device": "cpu"} and config["bf16"] == {"enabled": True}


def test_merge_takes_steps_from_rank_zero_and_memory_from_every_rank() -> None:
    def report(rank: int) -> RankReport:
        steps = [StepRecord(step=s, loss=5.0 - s, step_time_s=0.5, tokens=512) for s in (1, 2)]
        memory = RankMemory(
            rank=rank, peak_rss_bytes=9, param_bytes=1, grad_bytes=2, optimizer_bytes=3
        )
        return RankReport(
            rank=rank, world_size=2, restart_count=1, parameters=10, memory=memory,
            steps=steps if rank == 0 else [], eval_losses=[(0, 6.0), (2, 3.0)] if rank == 0 else [],
            resumed_from_step=1,
        )  # fmt: skip

    result = merge(tiny("ddp"), [report(0), report(1)])
    assert result.first_step_loss == 4.0 and result.final_eval_loss == 3.0
    assert result.tokens_per_s == 1024 and result.mean_step_time_s == 0.5
    assert [m.rank for m in result.ranks] == [0, 1] and result.restarts == 1


@pytest.mark.parametrize(
    ("overrides", "kill_rank", "kill_at", "message"),
    [
        ({"strategy": "single"}, 0, 10, "single has no group"),
        ({}, 2, 10, "kill_rank 2 is not a rank"),
        ({}, 0, 31, "kill_at_step 31"),
        ({"checkpoint_every": None}, 0, 10, "no checkpoint before the kill"),
        ({"checkpoint_every": 10}, 0, 10, "no checkpoint before the kill"),
    ],
)
def test_failure_runs_are_checked_before_launching(
    overrides: dict[str, object], kill_rank: int, kill_at: int, message: str, tmp_path: Path
) -> None:
    config = tiny("ddp", checkpoint_every=5).model_copy(update=overrides)
    with pytest.raises(TrainingError, match=message):
        _check_failure(config, kill_rank, kill_at, 1)
