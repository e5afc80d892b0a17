"""Sharded checkpoints every K steps, reloadable at another world size.

torch.distributed.checkpoint (DCP) writes each rank's shards plus global metadata, so a
checkpoint saved by two FSDP2 ranks loads into one process, and the other way round: the
strategies' checkpoint keys are shared (`model.<fqn>` fp32 weights, `optim.<fqn>.*` Adam
state). DeepSpeed strategies use DeepSpeed's own per-rank format (same world size only).

A checkpoint counts only once `last_complete` names it, written after every rank finished,
so a rank killed mid-save leaves the previous checkpoint as the one to resume from.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training._strategies import Trainer
from training._types import TrainingError

POINTER = "last_complete"
"""File in the checkpoint root naming the newest complete checkpoint."""
HISTORY = "history.json"
"""Rank 0's step records and eval losses up to the checkpoint, so a resumed run reports all."""


@dataclass(frozen=True)
class Restored:
    """What a resumed run continues from."""

    step: int
    history: dict[str, Any]


def step_name(step: int) -> str:
    """The directory of step `step`'s checkpoint."""
    return f"step-{step:06d}"


def save(trainer: Trainer, root: Path, step: int, history: dict[str, Any]) -> Path:
    """Save this rank's part of step `step`; once all ranks are done, mark it complete."""
    import torch
    import torch.distributed as dist
    from torch.distributed.checkpoint.state_dict_saver import save as dcp_save

    path = root / step_name(step)
    if trainer.uses_dcp:
        dcp_save(
            {**trainer.checkpoint_state(), "meta.step": torch.tensor(step)}, checkpoint_id=path
        )
    else:
        trainer.save_native(root, path.name)
    distributed = dist.is_initialized()
    if distributed:
        dist.barrier()
    if not distributed or dist.get_rank() == 0:
        _write_atomically(path / HISTORY, json.dumps(history))
        _write_atomically(root / POINTER, path.name)
    if distributed:
        dist.barrier()
    return path


def latest(root: Path) -> Path | None:
    """The newest complete checkpoint under `root`, if any."""
    pointer = root / POINTER
    if not pointer.exists():
        return None
    return root / pointer.read_text(encoding="utf-8").strip()


def load(trainer: Trainer, path: Path) -> Restored:
    """Load `path` into the trainer's live tensors (resharding to this world size)."""
    import torch
    from torch.distributed.checkpoint.state_dict_loader import load as dcp_load

    if not (path / HISTORY).exists():
        raise TrainingError(f"{path}: not a complete checkpoint; fix: pick one named step-NNNNNN")
    if trainer.uses_dcp:
        state = {**trainer.checkpoint_state(), "meta.step": torch.tensor(0)}
        dcp_load(state, checkpoint_id=path)
        trainer.after_load()
        step = int(state["meta.step"].item())
    else:
        trainer.load_native(path.parent, path.name)
        step = int(path.name.removeprefix("step-"))
    history = json.loads((path / HISTORY).read_text(encoding="utf-8"))
    return Restored(step=step, history=history)


def _write_atomically(target: Path, text: str) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
