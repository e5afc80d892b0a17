"""The seven strategies behind one interface: single, DDP, FSDP2 (two modes), DeepSpeed ZeRO 1-3.

What each holds (mixed precision, Adam; Ψ parameters, N ranks) and how it is counted:

- single, ddp: bf16 parameters and gradients in the model, fp32 master weights and Adam
  moments in `MixedPrecisionAdam` — exactly the paper's mixed-precision Adam (2 + 2 + 12 = 16Ψ).
  DDP runs with `gradient_as_bucket_view`, so its all-reduce buckets *are* the gradients.
- fsdp2_zero3 / fsdp2_zero2: FSDP2 keeps fp32 parameter shards (which are the master weights)
  and gathers bf16 copies for compute (`MixedPrecisionPolicy`); gradients are reduced in fp32
  and kept in the shard's dtype, fp32. Per rank: 4Ψ/N shards + 4Ψ/N gradients + 8Ψ/N moments
  = 16Ψ/N, ZeRO-3's total (the split differs: fp32 gradients, no separate master copy).
  With `reshard_after_forward=False` the gathered bf16 parameters (2Ψ) stay from forward to
  backward, ZeRO-2's replicated 16-bit parameters; FSDP2 frees each layer's copy as its
  gradient is reduced, so parameters and gradients never peak together (see `notes`).
- zero1/2/3: DeepSpeed with bf16 keeps bf16 parameters (flat), bf16 gradients and an fp32
  master partition plus torch's AdamW moments; its buffers are found by walking its optimizer.

Every strategy starts from the same fp32 init and computes in bf16, so the first-step loss
agrees; the global batch is the same for any world size (single accumulates N micro-batches).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training._measure import StateTensors
from training._types import TrainConfig, TrainingError

if TYPE_CHECKING:
    import torch
    from torch import nn

Probe = Callable[[str], None]
"""Called with a probe point's name; measures the model state there."""
BETAS = (0.9, 0.999)
EPS = 1e-8
"""Adam's hyper-parameters, shared by every strategy (no weight decay, no clipping)."""


class Trainer(ABC):
    """One strategy's model, optimizer and step, as the worker drives them."""

    uses_dcp = True
    """Whether checkpoints go through torch.distributed.checkpoint (else DeepSpeed's own)."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    @abstractmethod
    def train_step(self, micro_batches: list[torch.Tensor], probe: Probe) -> float:
        """Forward, backward and optimizer step; returns this rank's mean loss."""

    @abstractmethod
    def eval_loss(self, batch: torch.Tensor) -> float:
        """Mean token loss on `batch`, without gradients."""

    @abstractmethod
    def state_tensors(self) -> StateTensors:
        """Every tensor of parameters, gradients and optimizer states this rank holds now."""

    def checkpoint_state(self) -> dict[str, torch.Tensor]:
        """The live tensors a checkpoint saves and loads in place (fp32 weights + Adam state)."""
        raise NotImplementedError

    def after_load(self) -> None:  # noqa: B027 (optional hook: most trainers need nothing)
        """Re-derive what a checkpoint does not hold (e.g. bf16 copies of the fp32 weights)."""

    def save_native(self, directory: Path, tag: str) -> None:
        """Save with the framework's own format (only when uses_dcp is False)."""
        raise NotImplementedError

    def load_native(self, directory: Path, tag: str) -> None:
        """Load what save_native wrote."""
        raise NotImplementedError


def lm_loss(model: Any, batch: torch.Tensor) -> torch.Tensor:
    """Next-token cross-entropy, mean over the batch's tokens (transformers shifts labels)."""
    loss: torch.Tensor = model(input_ids=batch, labels=batch).loss
    return loss


def build_trainer(config: TrainConfig, model: nn.Module, world_size: int) -> Trainer:
    """The strategy's trainer around `model` (fp32, on CPU, identical on every rank)."""
    if config.activation_checkpointing:
        # Non-reentrant checkpointing composes with DDP, FSDP2 and ZeRO-3's hooks.
        model.gradient_checkpointing_enable(  # type: ignore[operator]
            gradient_checkpointing_kwargs={"use_reentrant": False}
        )
    if config.strategy in ("single", "ddp"):
        return ReplicatedTrainer(config, model, distributed=config.strategy == "ddp")
    if config.strategy in ("fsdp2_zero2", "fsdp2_zero3"):
        return FSDP2Trainer(config, model, world_size)
    return DeepSpeedTrainer(config, model, world_size)


class MixedPrecisionAdam:
    """Adam over fp32 master copies of bf16 parameters: the paper's K = 12 bytes per parameter.

    The fp32 gradient is made one parameter at a time, so no 4Ψ gradient copy ever exists;
    the update is torch's own single-tensor Adam, the same arithmetic as torch.optim.AdamW
    without weight decay, which FSDP2 and DeepSpeed (torch_adam) run.
    """

    def __init__(self, named: list[tuple[str, nn.Parameter]], lr: float, keep_master: bool):
        import torch

        self.names = [name for name, _ in named]
        self.params = [param for _, param in named]
        self.lr = lr
        # Without bf16 the parameters are fp32 already: they are their own master copy.
        self.separate = keep_master
        self.master = [p.detach().float().clone() if keep_master else p.data for p in self.params]
        self.exp_avg = [torch.zeros_like(m) for m in self.master]
        self.exp_avg_sq = [torch.zeros_like(m) for m in self.master]
        self.steps = [torch.tensor(0.0) for _ in self.master]

    def step(self) -> None:
        """Update the masters from the current gradients, then round them into the model."""
        from torch.optim.adam import adam

        for param, master, avg, avg_sq, step in self._slots():
            if param.grad is None:
                continue
            grad = param.grad.float()
            adam([master], [grad], [avg], [avg_sq], [], [step], foreach=False, amsgrad=False,
                 beta1=BETAS[0], beta2=BETAS[1], lr=self.lr, weight_decay=0.0, eps=EPS,
                 maximize=False)  # fmt: skip
            if self.separate:
                param.data.copy_(master)

    def _slots(self) -> Iterator[tuple[Any, ...]]:
        return zip(self.params, self.master, self.exp_avg, self.exp_avg_sq, self.steps, strict=True)

    def sync_params(self) -> None:
        """Copy the fp32 masters into the model (after a checkpoint load)."""
        if self.separate:
            for param, master in zip(self.params, self.master, strict=True):
                param.data.copy_(master)

    def state(self) -> dict[str, torch.Tensor]:
        """Checkpoint keys shared with FSDP2: model.<fqn>, optim.<fqn>.<exp_avg|exp_avg_sq|step>."""
        state: dict[str, torch.Tensor] = {}
        for name, (_, master, avg, avg_sq, step) in zip(self.names, self._slots(), strict=True):
            state.update(_param_state(name, master, avg, avg_sq, step))
        return state

    def tensors(self) -> list[torch.Tensor]:
        """fp32 masters (when separate from the model) and both moments."""
        masters = self.master if self.separate else []
        return [*masters, *self.exp_avg, *self.exp_avg_sq]


def _param_state(
    name: str, weight: Any, avg: Any, avg_sq: Any, step: Any
) -> dict[str, torch.Tensor]:
    return {
        f"model.{name}": weight,
        f"optim.{name}.exp_avg": avg,
        f"optim.{name}.exp_avg_sq": avg_sq,
        f"optim.{name}.step": step,
    }


class ReplicatedTrainer(Trainer):
    """single (one process, N micro-batches accumulated) or DDP (one micro-batch per rank)."""

    def __init__(self, config: TrainConfig, model: nn.Module, *, distributed: bool) -> None:
        import torch
        from torch.nn.parallel import DistributedDataParallel

        super().__init__()
        if config.bf16:
            # Parameters only: buffers such as RoPE's inv_freq stay fp32, as DeepSpeed and
            # FSDP2 keep them, so every strategy computes the same first loss.
            for param in model.parameters():
                param.data = param.data.to(torch.bfloat16)
        self.module = model
        self.distributed = distributed
        self.model: Any = (
            DistributedDataParallel(model, gradient_as_bucket_view=True, broadcast_buffers=False)
            if distributed
            else model
        )
        self.optimizer = MixedPrecisionAdam(list(model.named_parameters()), config.lr, config.bf16)
        if config.cpu_offload:
            self.notes.append(f"{config.strategy}: cpu_offload has no effect (nothing to offload)")

    def train_step(self, micro_batches: list[torch.Tensor], probe: Probe) -> float:
        """Accumulate over the micro-batches (one for DDP), then one Adam step."""
        total = 0.0
        for batch in micro_batches:
            loss = lm_loss(self.model, batch) / len(micro_batches)
            probe("after forward")
            loss.backward()  # type: ignore[no-untyped-call]
            probe("after backward")
            total += float(loss.item())
        self.optimizer.step()
        probe("after step")
        # DDP's gradients are views into its buckets: zero them in place to keep the views.
        self.module.zero_grad(set_to_none=not self.distributed)
        return total

    def eval_loss(self, batch: torch.Tensor) -> float:
        """Held-out loss through the bare module (no DDP hooks)."""
        import torch

        with torch.no_grad():
            return float(lm_loss(self.module, batch).item())

    def state_tensors(self) -> StateTensors:
        """bf16 parameters, their gradients (DDP bucket views), masters and moments."""
        params = list(self.module.parameters())
        return StateTensors(
            params=[p.data for p in params],
            grads=[p.grad for p in params if p.grad is not None],
            optimizer=self.optimizer.tensors(),
        )

    def checkpoint_state(self) -> dict[str, torch.Tensor]:
        """fp32 masters and Adam state, keyed like FSDP2's so either can load the other."""
        return self.optimizer.state()

    def after_load(self) -> None:
        """Round the loaded fp32 masters into the bf16 model."""
        self.optimizer.sync_params()


class FSDP2Trainer(Trainer):
    """fully_shard per decoder layer and at the root; bf16 compute over fp32 shards."""

    def __init__(self, config: TrainConfig, model: nn.Module, world_size: int) -> None:
        import torch
        from torch.distributed.fsdp import (
            CPUOffloadPolicy,
            FSDPModule,
            MixedPrecisionPolicy,
            OffloadPolicy,
            fully_shard,
        )

        super().__init__()
        mixed = (
            MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
            if config.bf16
            else MixedPrecisionPolicy()
        )
        offload = CPUOffloadPolicy(pin_memory=False) if config.cpu_offload else OffloadPolicy()
        options: dict[str, Any] = {
            "mp_policy": mixed,
            "offload_policy": offload,
            "reshard_after_forward": config.strategy == "fsdp2_zero3",
        }
        blocks = set(getattr(model, "_no_split_modules", None) or ())
        for module in model.modules():
            if type(module).__name__ in blocks:
                fully_shard(module, **options)
        fully_shard(model, **options)
        self.model: Any = model
        self.fsdp_modules = [m for m in model.modules() if isinstance(m, FSDPModule)]
        self.optimizer = torch.optim.AdamW(
            model.parameters(), lr=config.lr, betas=BETAS, eps=EPS, weight_decay=0.0
        )
        _init_adam_state(self.optimizer)
        if config.strategy == "fsdp2_zero2":
            self.notes.append(_FSDP2_ZERO2_NOTE)
        self.notes.append(_FSDP2_NOTE)
        if config.cpu_offload:
            self.notes.append(
                f"{config.strategy}: CPUOffloadPolicy moves nothing here (the device is the CPU)"
            )

    def train_step(self, micro_batches: list[torch.Tensor], probe: Probe) -> float:
        """One micro-batch per rank; FSDP2 gathers, reduce-scatters and reshards in hooks."""
        (batch,) = micro_batches
        loss = lm_loss(self.model, batch)
        probe("after forward")
        loss.backward()  # type: ignore[no-untyped-call]
        probe("after backward")
        self.optimizer.step()
        probe("after step")
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.item())

    def eval_loss(self, batch: torch.Tensor) -> float:
        """Held-out loss; reshards afterwards (without backward nothing else frees the gather)."""
        import torch

        with torch.no_grad():
            loss = float(lm_loss(self.model, batch).item())
        for module in self.fsdp_modules:
            module.reshard()
        return loss

    def state_tensors(self) -> StateTensors:
        """fp32 shards and gathered bf16 copies, fp32 gradient shards, Adam moments."""
        sharded, gathered = _fsdp_params(self.fsdp_modules)
        return StateTensors(
            params=[*sharded, *gathered],
            grads=[p.grad for p in sharded if p.grad is not None],
            optimizer=[t for s in self.optimizer.state.values() for t in s.values() if t.dim()],
        )

    def checkpoint_state(self) -> dict[str, torch.Tensor]:
        """The fp32 DTensor shards and their Adam state: DCP saves each rank's shard."""
        state: dict[str, torch.Tensor] = {}
        for name, param in self.model.named_parameters():
            slot = self.optimizer.state[param]
            state.update(
                _param_state(name, param, slot["exp_avg"], slot["exp_avg_sq"], slot["step"])
            )
        return state


_FSDP2_NOTE = (
    "FSDP2 keeps fp32 parameter shards (they are the master weights) and fp32 gradient shards: "
    "model state 4Ψ/N + 4Ψ/N + 8Ψ/N (Adam moments), where ZeRO counts 16-bit parameters and "
    "gradients plus a 12Ψ/N fp32 optimizer state; the totals agree for stage 3."
)
_FSDP2_ZERO2_NOTE = (
    "fsdp2_zero2 (reshard_after_forward=False) holds the gathered bf16 parameters (2Ψ) from "
    "forward to backward, ZeRO-2's replicated 16-bit copy; FSDP2 frees each layer's copy as "
    "its gradient is reduced, so its peak model state is 2Ψ + 12Ψ/N (after forward, no "
    "gradients yet), not ZeRO-2's 2Ψ + 14Ψ/N."
)


def _init_adam_state(optimizer: torch.optim.Optimizer) -> None:
    """Create Adam's moments now (torch makes them at the first step) so a checkpoint can load
    into them and the first step's memory already shows them, as DeepSpeed's does."""
    import torch

    for group in optimizer.param_groups:
        for param in group["params"]:
            optimizer.state[param] = {
                "step": torch.tensor(0.0),
                "exp_avg": torch.zeros_like(param),
                "exp_avg_sq": torch.zeros_like(param),
            }


def _fsdp_params(modules: list[Any]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Each FSDP2 parameter's sharded DTensor and, while allocated, its gathered copy.

    FSDP2 swaps the registered parameter between the two, so the sharded one is read from its
    private FSDPParam (no public API exposes it while the module is unsharded).
    """
    sharded: list[torch.Tensor] = []
    gathered: list[torch.Tensor] = []
    for module in modules:
        group = module._get_fsdp_state()._fsdp_param_group
        for fsdp_param in group.fsdp_params if group else ():
            sharded.append(fsdp_param.sharded_param)
            unsharded = getattr(fsdp_param, "_unsharded_param", None)
            if unsharded is not None:
                gathered.append(unsharded)
    return sharded, gathered


class DeepSpeedTrainer(Trainer):
    """deepspeed.initialize with ZeRO stage 1, 2 or 3 on the CPU accelerator over gloo."""

    uses_dcp = False

    def __init__(self, config: TrainConfig, model: nn.Module, world_size: int) -> None:
        import deepspeed  # type: ignore[import-untyped]  # DeepSpeed ships no type hints

        super().__init__()
        # DeepSpeed's comm layer JIT-compiles a shared-memory all-reduce kernel (about a minute
        # of C++ build) that only its *inference* all-reduce uses; training over gloo never
        # calls it. An empty table of compiled ops, its only reader, skips the build.
        deepspeed.ops.__compatible_ops__ = {}
        self.stage = int(config.strategy[-1])
        psi = sum(p.numel() for p in model.parameters())
        ds_config = deepspeed_config(config, self.stage, psi)
        self.engine: Any
        self.engine, *_ = deepspeed.initialize(
            model=model, model_parameters=list(model.parameters()), config=ds_config
        )
        self.notes.append(
            f"{config.strategy}: DeepSpeed ZeRO-{self.stage}, bf16={config.bf16}, torch AdamW; "
            f"reduce bucket {ds_config['zero_optimization']['reduce_bucket_size']:,} elements "
            "(~Ψ/20, so a bucket of gradients in flight stays small next to the shards)"
        )
        if config.cpu_offload:
            self.notes.append(
                f"{config.strategy}: ZeRO-Offload adds host buffers (fp32 gradient partitions "
                "4Ψ/N, a bf16 staging copy of the parameter partition 2Ψ/N); on a CPU-only "
                "machine host and device are the same memory, so it adds instead of moving"
            )

    def train_step(self, micro_batches: list[torch.Tensor], probe: Probe) -> float:
        """engine(...), engine.backward, engine.step; probes the end of autograd's backward."""
        (batch,) = micro_batches
        loss = lm_loss(self.engine, batch)
        probe("after forward")
        _probe_at_end_of_backward(loss, probe)
        self.engine.backward(loss)
        probe("after backward")
        self.engine.step()
        probe("after step")
        return float(loss.item())

    def eval_loss(self, batch: torch.Tensor) -> float:
        """Held-out loss through the engine (ZeRO-3 gathers parameters as it goes)."""
        import torch

        with torch.no_grad():
            return float(lm_loss(self.engine, batch).item())

    def state_tensors(self) -> StateTensors:
        """Module parameters/gradients, ZeRO-3 partitions, and the ZeRO optimizer's buffers."""
        module_params = list(self.engine.module.parameters())
        found: dict[str, list[torch.Tensor]] = {"params": [], "grads": [], "optimizer": []}
        for path, tensor in _walk(vars(self.engine.optimizer), "", depth=4):
            found[_category(path)].append(tensor)
        adam = self.engine.optimizer.optimizer.state.values()
        return StateTensors(
            params=[
                *(p.data for p in module_params),
                *(p.ds_tensor for p in module_params if hasattr(p, "ds_tensor")),
                *found["params"],
            ],
            grads=[*(p.grad for p in module_params if p.grad is not None), *found["grads"]],
            optimizer=[*found["optimizer"], *(t for s in adam for t in s.values() if t.dim())],
        )

    def save_native(self, directory: Path, tag: str) -> None:
        """engine.save_checkpoint: each rank writes its own partition."""
        self.engine.save_checkpoint(str(directory), tag=tag)

    def load_native(self, directory: Path, tag: str) -> None:
        """engine.load_checkpoint at the same world size."""
        path, _ = self.engine.load_checkpoint(str(directory), tag=tag)
        if path is None:
            raise TrainingError(f"{directory}/{tag}: DeepSpeed found no checkpoint there")


def deepspeed_config(config: TrainConfig, stage: int, psi: int) -> dict[str, Any]:
    """The DeepSpeed JSON config: torch's AdamW (no compiled CPU Adam), bf16, ZeRO `stage`."""
    # A multiple of 64 elements: DeepSpeed aligns buckets to its communication alignment.
    bucket = max(16_384, psi // 20 // 64 * 64)
    zero: dict[str, Any] = {
        "stage": stage,
        "reduce_bucket_size": bucket,
        "allgather_bucket_size": bucket,
        "stage3_prefetch_bucket_size": bucket,
        # 0: partition every parameter; the default (1e5) keeps small ones whole on each rank.
        "stage3_param_persistence_threshold": 0,
    }
    if config.cpu_offload:
        zero["offload_optimizer"] = {"device": "cpu"}
        if stage == 3:
            zero["offload_param"] = {"device": "cpu"}
    return {
        "train_micro_batch_size_per_gpu": config.micro_batch,
        "gradient_accumulation_steps": 1,
        "optimizer": {
            "type": "Adam",
            "params": {
                "lr": config.lr,
                "betas": list(BETAS),
                "eps": EPS,
                "weight_decay": 0.0,
                "torch_adam": True,
            },
        },
        "bf16": {"enabled": config.bf16},
        "zero_optimization": zero,
        # Offloading normally insists on DeepSpeed's compiled CPU Adam; torch's is enough here.
        "zero_force_ds_cpu_optimizer": False,
        "gradient_clipping": 0.0,
        "steps_per_print": 10**9,
        "wall_clock_breakdown": False,
    }


def _probe_at_end_of_backward(loss: torch.Tensor, probe: Probe) -> None:
    """Probe when autograd finishes, before engine.backward's epilogue reduces gradients.

    That is when ZeRO-1 holds every full bf16 gradient (it reduces them all at the end);
    ZeRO-2/3 have reduced most of theirs into partitions by then.
    """
    import torch

    def queue(grad: torch.Tensor) -> torch.Tensor:
        engine = torch.autograd.Variable._execution_engine
        engine.queue_callback(lambda: probe("end of backward"))
        return grad

    loss.register_hook(queue)  # type: ignore[no-untyped-call]


def _walk(obj: Any, path: str, depth: int) -> Iterator[tuple[str, torch.Tensor]]:
    """(attribute path, tensor) for every tensor in nested dicts/lists of `obj`."""
    import torch

    if isinstance(obj, torch.Tensor):
        yield path, obj
    elif depth > 0 and isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk(value, f"{path}.{key}" if isinstance(key, str) else path, depth - 1)
    elif depth > 0 and isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _walk(value, path, depth - 1)


def _category(path: str) -> str:
    """Which model state a ZeRO optimizer attribute holds, from its name.

    DeepSpeed names them consistently: *grad* (gradient partitions, buckets), *fp32* /
    single_partition (master weights), bit16/fp16/lp (parameters).
    """
    name = path.lower()
    if "grad" in name:
        return "grads"
    if "fp32" in name or "single_partition" in name:
        return "optimizer"
    return "params"
