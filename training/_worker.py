"""One rank of a training run, as torchrun starts it: `python -m training._worker PLAN.json`.

It builds the gloo group (on a store prefixed by the restart count), the data, the model and
the strategy, resumes from the newest complete checkpoint if there is one, trains, and writes
`rank-<r>.json` for the launcher. Rank 0's report carries the step records and eval losses.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from training._types import RankMemory, StepRecord, TrainConfig

if TYPE_CHECKING:
    import torch

    from training._data import PackedData
    from training._measure import MemoryProbe
    from training._strategies import Trainer

KILL_MARKER = "killed.marker"
"""Written by the rank that kills itself, so the restarted attempt does not kill again."""
PROBED_STEPS = 3
"""Steps after the start (or resume) whose model state is measured, plus the last one."""
GROUP_TIMEOUT = timedelta(minutes=5)
"""How long a collective may wait; a dead peer is normally noticed by torchrun much sooner."""


class LaunchPlan(BaseModel):
    """What the launcher hands every rank."""

    config: TrainConfig
    out_dir: str
    kill_rank: int | None = None
    """The rank that SIGKILLs itself at kill_at_step (once), or None."""
    kill_at_step: int | None = None
    resume_from: str | None = None
    """A checkpoint to start from instead of the newest one in the checkpoint directory."""


class RankReport(BaseModel):
    """One rank's results; the launcher merges them into a TrainResult."""

    rank: int
    world_size: int
    restart_count: int
    """TORCHELASTIC_RESTART_COUNT of the attempt that finished."""
    parameters: int
    memory: RankMemory
    steps: list[StepRecord] = Field(default_factory=list)
    eval_losses: list[tuple[int, float]] = Field(default_factory=list)
    resumed_from_step: int | None = None
    notes: list[str] = Field(default_factory=list)


def main(argv: list[str]) -> int:
    """Entry point under torchrun (or alone, as rank 0 of 1)."""
    plan = LaunchPlan.model_validate_json(Path(argv[1]).read_text(encoding="utf-8"))
    rank = int(os.environ.get("RANK", "0"))
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    restart = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
    out_dir = Path(plan.out_dir)
    (out_dir / f"pid-{rank}-{restart}").write_text(str(os.getpid()), encoding="utf-8")
    if plan.config.strategy != "single":  # DDP, FSDP2 and DeepSpeed need a group, even of 1
        init_group(rank, world_size, restart)
    try:
        report = run(plan, rank, world_size, restart)
    finally:
        _destroy_group()
    (out_dir / f"rank-{rank}.json").write_text(report.model_dump_json(), encoding="utf-8")
    return 0


def init_group(rank: int, world_size: int, restart: int) -> None:
    """The gloo group, on a store whose keys are prefixed by the restart count.

    torchrun's c10d rendezvous serves one TCPStore for every round (its shared store server),
    so the previous attempt's gloo keys are still there after a restart: a new rank could read
    a dead peer's address before the peer rewrote it and connect to the old attempt's ports
    (known here; compare pytorch#167288). Keys prefixed by the attempt cannot be confused.
    """
    import torch.distributed as dist
    from torch._C._distributed_c10d import TCPStore
    from torch.distributed.distributed_c10d import PrefixStore

    agent_store = os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == "True"
    store = TCPStore(
        os.environ["MASTER_ADDR"],
        int(os.environ["MASTER_PORT"]),
        world_size,
        is_master=rank == 0 and not agent_store,
        timeout=GROUP_TIMEOUT,
    )
    dist.init_process_group(
        "gloo",
        store=PrefixStore(f"regenlab/attempt-{restart}", store),
        rank=rank,
        world_size=world_size,
        timeout=GROUP_TIMEOUT,
    )


def _destroy_group() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()


def run(plan: LaunchPlan, rank: int, world_size: int, restart: int) -> RankReport:
    """Train according to the plan; returns this rank's report."""
    from training import _checkpoint
    from training._measure import MemoryProbe, peak_rss_bytes
    from training._model import build_model, count_parameters
    from training._strategies import build_trainer

    config = plan.config
    data = load_data(config)
    model = build_model(config.model_size, data.vocab_size, config.seq_len, config.seed)
    parameters = count_parameters(model)
    trainer = build_trainer(config, model, world_size)
    probe = MemoryProbe(trainer.state_tensors)
    history: dict[str, Any] = {"steps": [], "eval_losses": []}
    start, resumed = 0, None
    # This run's newest checkpoint after a restart; else the one asked for, if any. (The
    # launcher clears the pointer to older runs' checkpoints before the first attempt.)
    source = _checkpoint.latest(checkpoint_root(plan))
    if source is None and plan.resume_from:
        source = Path(plan.resume_from)
    if source is not None:
        restored = _checkpoint.load(trainer, source)
        start, resumed, history = restored.step, restored.step, restored.history
    loop = _Loop(plan, trainer, data, rank, world_size, probe, history)
    # Also after a resume: the checkpoint's held-out loss, now measured at this world size.
    loop.evaluate(start)
    for step in range(start + 1, config.steps + 1):
        loop.step(step, probe_now=step <= start + PROBED_STEPS or step == config.steps)
    memory = RankMemory(
        rank=rank,
        peak_rss_bytes=peak_rss_bytes(),
        param_bytes=probe.peak.param_bytes,
        grad_bytes=probe.peak.grad_bytes,
        optimizer_bytes=probe.peak.optimizer_bytes,
    )
    notes = [*trainer.notes, f"model state peaks {probe.where} (probed on the first steps)"]
    return RankReport(
        rank=rank,
        world_size=world_size,
        restart_count=restart,
        parameters=parameters,
        memory=memory,
        steps=[StepRecord.model_validate(s) for s in history["steps"]],
        eval_losses=[(int(s), float(v)) for s, v in history["eval_losses"]],
        resumed_from_step=resumed,
        notes=notes + _data_notes(config, data),
    )


def load_data(config: TrainConfig) -> PackedData:
    """Stdlib source, tokenized for the model (bytes, or Gemma's vocabulary) and packed."""
    from training._data import (
        EVAL_SEQUENCES,
        TRAIN_TOKENS,
        ByteTokenizer,
        HFTokenizer,
        Tokenizer,
        pack,
    )
    from training._model import GEMMA, load_gemma_tokenizer

    tokenizer: Tokenizer = (
        HFTokenizer(load_gemma_tokenizer()) if config.model_size == GEMMA else ByteTokenizer()
    )
    return pack(tokenizer, config.seq_len, train_tokens=TRAIN_TOKENS, eval_sequences=EVAL_SEQUENCES)


def _data_notes(config: TrainConfig, data: PackedData) -> list[str]:
    notes = [
        f"data: {len(data.train_files)} + {len(data.eval_files)} held-out stdlib files, "
        f"{len(data.train)} training and {len(data.eval)} "
        f"held-out sequences of {config.seq_len} tokens (vocabulary {data.vocab_size})"
    ]
    if config.strategy == "single":
        notes.append(
            f"single accumulates {config.world_size} micro-batches of {config.micro_batch} per "
            "step: the same global batch as the distributed runs"
        )
    return notes


def checkpoint_root(plan: LaunchPlan) -> Path:
    """Where this run's checkpoints go: checkpoint_dir, else <out_dir>/checkpoints."""
    return Path(plan.config.checkpoint_dir or Path(plan.out_dir) / "checkpoints")


class _Loop:
    """The step loop's state: what each step, eval and checkpoint needs."""

    def __init__(
        self,
        plan: LaunchPlan,
        trainer: Trainer,
        data: PackedData,
        rank: int,
        world_size: int,
        probe: MemoryProbe,
        history: dict[str, Any],
    ) -> None:
        self.plan, self.config, self.trainer, self.data = plan, plan.config, trainer, data
        self.rank, self.world_size, self.probe, self.history = rank, world_size, probe, history

    def step(self, step: int, *, probe_now: bool) -> None:
        """One optimizer step, then eval and checkpoint when due."""
        self._maybe_kill(step)
        batches = self._batches(step - 1)
        self.probe.enabled = probe_now
        spent = self.probe.spent_s
        start = time.perf_counter()
        loss = self.trainer.train_step(batches, self.probe)
        seconds = time.perf_counter() - start - (self.probe.spent_s - spent)
        tokens = self.config.micro_batch * self.config.world_size * self.config.seq_len
        record = StepRecord(step=step, loss=self._mean(loss), step_time_s=seconds, tokens=tokens)
        self.history["steps"].append(record.model_dump())
        if step % self.config.eval_every == 0 or step == self.config.steps:
            self.evaluate(step)
        every = self.config.checkpoint_every
        if every and step % every == 0:
            from training._checkpoint import save

            save(self.trainer, checkpoint_root(self.plan), step, self.history)

    def evaluate(self, step: int) -> None:
        """Held-out loss: each rank its equal share of the eval sequences, then the mean."""
        import torch

        from training._data import eval_shard

        ranks = self.world_size
        shard = eval_shard(self.data.eval, world_size=ranks, rank=self.rank)
        chunks = torch.split(shard, self.config.micro_batch)
        local = sum(self.trainer.eval_loss(c) * len(c) for c in chunks) / len(shard)
        losses = [entry for entry in self.history["eval_losses"] if entry[0] != step]
        self.history["eval_losses"] = [*losses, (step, self._mean(local))]

    def _batches(self, index: int) -> list[torch.Tensor]:
        """This rank's micro-batch; for single, all N ranks' in turn (gradient accumulation).

        The split is always over config.world_size, so single sees the same global batch.
        """
        from training._data import rank_batch

        config = self.config
        ranks = range(config.world_size) if config.strategy == "single" else [self.rank]
        return [
            rank_batch(
                self.data.train,
                index,
                seed=config.seed,
                world_size=config.world_size,
                rank=rank,
                micro_batch=config.micro_batch,
            )
            for rank in ranks
        ]

    def _mean(self, value: float) -> float:
        """The mean of `value` over ranks (gloo has no AVG: sum, then divide)."""
        import torch
        import torch.distributed as dist

        if not dist.is_initialized():
            return value
        tensor = torch.tensor([value], dtype=torch.float64)
        dist.all_reduce(tensor)
        return float(tensor.item()) / self.world_size

    def _maybe_kill(self, step: int) -> None:
        plan = self.plan
        marker = Path(plan.out_dir) / KILL_MARKER
        if plan.kill_rank != self.rank or plan.kill_at_step != step or marker.exists():
            return
        with marker.open("w", encoding="utf-8") as handle:
            handle.write(f"rank {self.rank} killed itself at step {step}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    status = main(sys.argv)
    # The report is written and the group destroyed. Leave without running C++ static
    # destructors: gloo's store threads can still be joinable then, and a rank that had done
    # all its work died with "terminate called without an active exception" (SIGABRT).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
