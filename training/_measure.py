"""What a rank holds: model-state bytes by storage, peak RSS, and step timing.

Model state is counted by *storage*, not by tensor: a gradient that is a view into a DDP
bucket, or a parameter that is a view into DeepSpeed's flat buffer, is counted once, at the
size of the buffer it lives in (padding included). Each storage is counted in the first
category that reaches it: parameters, then gradients, then optimizer states. Strategies list
their tensors (see `_strategies`), this module only adds them up and keeps the high-water mark.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class ModelState:
    """Bytes of parameters, gradients and optimizer states one rank holds at one moment."""

    param_bytes: int
    grad_bytes: int
    optimizer_bytes: int
    """fp32 master weights + Adam moments."""

    @property
    def total(self) -> int:
        """What ZeRO's formulas predict: parameters + gradients + optimizer states."""
        return self.param_bytes + self.grad_bytes + self.optimizer_bytes


@dataclass(frozen=True)
class StateTensors:
    """The tensors a strategy holds, by category (views and duplicates are fine)."""

    params: list[torch.Tensor]
    grads: list[torch.Tensor]
    optimizer: list[torch.Tensor]


def local_tensor(tensor: torch.Tensor) -> torch.Tensor:
    """The rank-local part of a DTensor (FSDP2's shards); other tensors unchanged."""
    from torch.distributed.tensor import DTensor

    return tensor.to_local() if isinstance(tensor, DTensor) else tensor


def storage_bytes(tensors: Iterable[torch.Tensor | None], seen: set[int]) -> int:
    """Bytes of the storages under `tensors` not in `seen` (which this call extends)."""
    total = 0
    for tensor in tensors:
        if tensor is None:
            continue
        storage = local_tensor(tensor).untyped_storage()
        size, pointer = storage.nbytes(), storage.data_ptr()
        # Freed buffers (FSDP2 resizes unsharded storage to 0) and meta tensors hold nothing.
        if size == 0 or pointer == 0 or pointer in seen:
            continue
        seen.add(pointer)
        total += size
    return total


def measure(state: StateTensors) -> ModelState:
    """Count each storage once, in the first category that holds it."""
    seen: set[int] = set()
    return ModelState(
        param_bytes=storage_bytes(state.params, seen),
        grad_bytes=storage_bytes(state.grads, seen),
        optimizer_bytes=storage_bytes(state.optimizer, seen),
    )


def peak_rss_bytes() -> int:
    """The process's resident-set high-water mark (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


@dataclass
class MemoryProbe:
    """Measures the model state at a step's probe points and keeps the largest.

    The strategy calls it after forward, at the end of backward and after the optimizer step;
    the time it spends is kept apart so the step time can leave it out.
    """

    source: Callable[[], StateTensors]
    """The strategy's tensors right now."""
    enabled: bool = True
    """Off on steps that are not probed."""
    peak: ModelState = field(default_factory=lambda: ModelState(0, 0, 0))
    where: str = ""
    """The probe point that saw the peak (e.g. "after backward")."""
    spent_s: float = 0.0
    """Seconds spent measuring so far."""

    def __call__(self, where: str) -> None:
        """Measure now; keep the result if it is the largest so far."""
        if not self.enabled:
            return
        start = time.perf_counter()
        state = measure(self.source())
        if state.total > self.peak.total:
            self.peak, self.where = state, where
        self.spent_s += time.perf_counter() - start
