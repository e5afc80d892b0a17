"""Fault tolerance: a rank SIGKILLed mid-run restarts and resumes; checkpoints change world size.

Slow tier: real torchrun launches of the tiny model on 2 CPU ranks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.core_support import require, tiny
from training import TrainResult

pytestmark = pytest.mark.slow

NOISE = 1e-2
"""Nats. Resuming restores the fp32 weights, Adam moments and data order exactly, so what is
left to differ is bf16 reduction order (≤ a bf16 rounding of the loss, 3.3 · 2^-9 ≈ 0.007) or
an FSDP2 → single switch (fp32 vs bf16 gradient reduction). For scale: the uninterrupted
run's held-out loss still moves ~0.06 between steps 50 and 60."""


@pytest.fixture(autouse=True)
def _training_installed() -> None:
    require("torch", "transformers")


def _evals(result: TrainResult) -> dict[int, float]:
    return dict(result.eval_losses)


def test_killed_rank_restarts_resumes_and_ends_within_noise(tmp_path: Path) -> None:
    from training._launch import train, train_with_failure

    config = tiny("ddp", steps=60, checkpoint_every=10)
    plain = train(config, tmp_path / "plain")
    killed = train_with_failure(
        config, tmp_path / "killed", kill_rank=1, kill_at_step=30, max_restarts=2
    )
    assert (tmp_path / "killed" / "killed.marker").read_text().startswith("rank 1 killed")
    assert killed.restarts == 1 and plain.restarts == 0
    # Killed before step 30 ran: the newest complete checkpoint is step 20's.
    assert killed.resumed_from_step == 20
    assert [s.step for s in killed.steps] == list(range(1, 61))
    assert abs(killed.final_eval_loss - plain.final_eval_loss) <= NOISE
    for ours, theirs in zip(killed.steps, plain.steps, strict=True):
        assert abs(ours.loss - theirs.loss) <= NOISE, ours.step


def test_checkpoint_saved_by_two_ranks_loads_into_one_process(tmp_path: Path) -> None:
    from training._launch import train

    sharded = train(tiny("fsdp2_zero3", steps=20, checkpoint_every=10), tmp_path / "two")
    step10 = tmp_path / "two" / "checkpoints" / "step-000010"
    assert sorted(p.name for p in step10.glob("*.distcp")) == ["__0_0.distcp", "__1_0.distcp"]
    single = train(tiny("single", steps=20), tmp_path / "one", resume_from=step10)
    assert single.resumed_from_step == 10 and len(single.ranks) == 1
    # The same weights, evaluated by one process instead of two FSDP2 shards.
    assert _evals(single)[10] == pytest.approx(_evals(sharded)[10], abs=NOISE)
    # And training goes on from there at the new world size to the same place.
    assert _evals(single)[20] == pytest.approx(_evals(sharded)[20], abs=NOISE)
