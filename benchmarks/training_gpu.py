"""One GPU: single-device training vs FSDP2 with CPU offload vs DeepSpeed ZeRO-Offload.

The same ~0.4B-parameter Llama-style model (24 layers, hidden 1024, byte-level vocabulary, so no
tokenizer download), the same data (the Python standard library's source, packed) and seed, bf16
mixed precision, on one CUDA device with an NCCL group of 1 rank:

- single: fp32 weights on the GPU, bf16 autocast, fused AdamW on the GPU;
- fsdp2_zero3 +offload: FSDP2 `fully_shard` per layer, bf16 params, CPUOffloadPolicy (sharded
  fp32 weights, gradients and AdamW on the host);
- zero2 +offload: DeepSpeed ZeRO stage 2 with `offload_optimizer` on the CPU (torch AdamW on the
  host by default; --ds-cpu-adam builds DeepSpeed's CPU Adam instead, which needs a compiler).

Each strategy runs in its own process (clean peak-memory counters) for a few warm-up steps and
then --steps timed ones, and the script prints the same ratio table as training_scaling.py:
tokens/s, step time, peak GPU memory and model-state bytes per rank, each ÷ single. Offload
trades GPU memory for host memory and PCIe traffic, so expect a lower GPU peak and lower
throughput; with one rank nothing is sharded, so the savings come from offloading alone.

Sized to finish in well under 8 minutes on one H100 (each worker is also capped by --budget-s).
It needs a CUDA GPU and fails at once, with a message, without one: it cannot run on the CPU
machine the project is developed on, so its numbers in the README come from a lent GPU.

Usage: PYTHONPATH=. python benchmarks/training_gpu.py [--steps 10] [--layers 24] [--hidden 1024]
       [--seq-len 1024] [--micro-batch 8] [--strategies single,fsdp2_offload,zero_offload]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training import (
    RankMemory,
    StepRecord,
    Strategy,
    TrainConfig,
    TrainResult,
    free_port,
    peak_rss_bytes,
    scaling_table,
)

if TYPE_CHECKING:
    import torch

RUNS: dict[str, tuple[Strategy, bool]] = {
    "single": ("single", False),
    "fsdp2_offload": ("fsdp2_zero3", True),
    "zero_offload": ("zero2", True),
}
"""Command-line name → (strategy, CPU offload) of the TrainResult."""
WARMUP_STEPS = 3
"""Untimed steps first: CUDA context, kernels' autotuning, allocator growth."""
EVAL_BATCHES = 4
"""Held-out batches averaged for the eval loss."""


# --- The parent: one worker process per strategy, then the table ---------------------------


def require_cuda() -> None:
    """Exit with a message (not a traceback) when there is no CUDA device."""
    try:
        import torch
    except ImportError:
        sys.exit("training_gpu.py needs torch with CUDA; fix: pip install torch (a CUDA build)")
    if not torch.cuda.is_available():
        sys.exit(
            "training_gpu.py needs a CUDA GPU, and torch.cuda.is_available() is False here "
            f"(torch {torch.__version__}, CUDA build {torch.version.cuda}); fix: run it on a "
            "machine with an NVIDIA GPU and a CUDA build of torch"
        )


def run_workers(args: argparse.Namespace) -> tuple[list[TrainResult], list[str]]:
    """Each strategy in a fresh process; a failed or timed-out one becomes a line, not a crash."""
    results, failures = [], []
    deadline = time.monotonic() + args.budget_s
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.strategies.split(","):
            out = Path(scratch) / f"{name}.json"
            command = [sys.executable, __file__, *sys.argv[1:], "--worker", name, "--json-out"]
            remaining = max(10.0, deadline - time.monotonic())
            try:
                done = subprocess.run([*command, str(out)], timeout=remaining, check=False)
            except subprocess.TimeoutExpired:
                failures.append(f"{name}: over the time budget ({remaining:.0f} s left)")
                continue
            if done.returncode != 0 or not out.exists():
                failures.append(f"{name}: worker exited {done.returncode} (see its output above)")
                continue
            results.append(TrainResult.model_validate_json(out.read_text()))
            print(f"done: {name}", flush=True)
    return results, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10, help="Timed steps per strategy.")
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--hidden", type=int, default=1024)
    parser.add_argument("--seq-len", type=int, default=1024)
    parser.add_argument("--micro-batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strategies", default=",".join(RUNS))
    parser.add_argument("--ds-cpu-adam", action="store_true", help="DeepSpeed's compiled Adam.")
    parser.add_argument("--budget-s", type=float, default=420.0, help="For all workers.")
    parser.add_argument("--worker", choices=sorted(RUNS), help=argparse.SUPPRESS)
    parser.add_argument("--json-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    require_cuda()
    if args.worker:
        result = worker(args)
        args.json_out.write_text(result.model_dump_json(indent=2), encoding="utf-8")
        return
    unknown = sorted(set(args.strategies.split(",")) - set(RUNS))
    if unknown:
        sys.exit(f"--strategies: unknown {unknown}; fix: use a subset of {','.join(RUNS)}")
    results, failures = run_workers(args)
    import torch

    if results:
        print(f"\nΨ = {results[0].parameters:,} parameters, {torch.cuda.get_device_name(0)}")
        print(scaling_table(results))
    for line in failures:
        print(f"failed: {line}")
    sys.exit(1 if failures else 0)


# --- The worker: one strategy on cuda:0 ----------------------------------------------------


def worker(args: argparse.Namespace) -> TrainResult:
    """Train one strategy, timing steps after the warm-up; returns its TrainResult."""
    import torch

    _single_rank_env()
    torch.manual_seed(args.seed)
    strategy, offload = RUNS[args.worker]
    config = TrainConfig(
        strategy=strategy,
        model_size=f"llama {args.layers}x{args.hidden}",
        seq_len=args.seq_len,
        micro_batch=args.micro_batch,
        steps=args.steps,
        lr=args.lr,
        seed=args.seed,
        world_size=1,
        eval_every=args.steps,
        cpu_offload=offload,
        bf16=True,
    )
    model = _model(args)
    parameters = sum(p.numel() for p in model.parameters())
    train, evaluate = _batches(args, "train"), _batches(args, "eval")
    step, states = BUILDERS[args.worker](model, args)
    eval_before = _eval_loss(model, evaluate)
    records = _train(step, train, args)
    model_states = states()
    eval_after = _eval_loss(model, evaluate)
    return _result(config, parameters, records, (eval_before, eval_after), model_states)


def _single_rank_env() -> None:
    # A group of one: NCCL still runs (FSDP2 and DeepSpeed need a process group).
    defaults = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "RANK": "0"}
    defaults |= {"LOCAL_RANK": "0", "WORLD_SIZE": "1", "TOKENIZERS_PARALLELISM": "false"}
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


def _model(args: argparse.Namespace) -> torch.nn.Module:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=256,  # bytes: real text without a tokenizer download
        hidden_size=args.hidden,
        intermediate_size=4 * args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=max(1, args.hidden // 64),
        max_position_embeddings=args.seq_len,
        tie_word_embeddings=False,
    )
    config._attn_implementation = "sdpa"
    model: torch.nn.Module = LlamaForCausalLM(config)
    return model


def _text() -> bytes:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(stdlib.glob("*.py"))
    return b"\n".join(path.read_bytes() for path in files)


def _batches(args: argparse.Namespace, split: str) -> Iterator[torch.Tensor]:
    """Endless random windows of the stdlib's bytes; the last tenth is the held-out split."""
    import torch

    data = torch.frombuffer(bytearray(_text()), dtype=torch.uint8).long()
    cut = len(data) * 9 // 10
    data = data[:cut] if split == "train" else data[cut:]
    generator = torch.Generator().manual_seed(args.seed + (split == "eval"))
    while True:
        starts = torch.randint(
            0, len(data) - args.seq_len, (args.micro_batch,), generator=generator
        )
        batch = torch.stack([data[s : s + args.seq_len] for s in starts.tolist()])
        yield batch.cuda(non_blocking=True)


def _train(
    step: Callable[[torch.Tensor], float], batches: Iterator[torch.Tensor], args: argparse.Namespace
) -> list[StepRecord]:
    import torch

    for _ in range(WARMUP_STEPS):
        step(next(batches))
    torch.cuda.reset_peak_memory_stats()
    records = []
    for index in range(1, args.steps + 1):
        batch = next(batches)
        torch.cuda.synchronize()
        started = time.perf_counter()
        loss = step(batch)
        torch.cuda.synchronize()
        elapsed = time.perf_counter() - started
        records.append(StepRecord(step=index, loss=loss, step_time_s=elapsed, tokens=batch.numel()))
    return records


def _eval_loss(model: Any, batches: Iterator[torch.Tensor]) -> float:
    import torch

    losses = []
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        for _ in range(EVAL_BATCHES):
            batch = next(batches)
            losses.append(float(model(input_ids=batch, labels=batch).loss))
    return sum(losses) / len(losses)


def _result(
    config: TrainConfig,
    parameters: int,
    records: list[StepRecord],
    evals: tuple[float, float],
    model_states: tuple[int, int, int],
) -> TrainResult:
    import torch

    seconds = sum(r.step_time_s for r in records)
    rank = RankMemory(
        rank=0,
        peak_rss_bytes=peak_rss_bytes(),
        param_bytes=model_states[0],
        grad_bytes=model_states[1],
        optimizer_bytes=model_states[2],
        peak_device_bytes=torch.cuda.max_memory_allocated(),
    )
    return TrainResult(
        config=config,
        parameters=parameters,
        steps=records,
        eval_losses=[(0, evals[0]), (config.steps, evals[1])],
        first_step_loss=records[0].loss,
        final_eval_loss=evals[1],
        tokens_per_s=sum(r.tokens for r in records) / seconds,
        mean_step_time_s=seconds / len(records),
        ranks=[rank],
        notes=[
            f"{WARMUP_STEPS} untimed warm-up steps; model states counted after the last step",
            "model states count GPU and host (offloaded) tensors alike",
        ],
    )


# --- The three strategies: each returns (step function, model-state counter) ----------------

Step = Callable[["torch.Tensor"], float]
States = Callable[[], tuple[int, int, int]]


def _local_bytes(tensor: Any) -> int:
    """Bytes this rank holds of a tensor (a DTensor's local shard)."""
    local = tensor.to_local() if hasattr(tensor, "to_local") else tensor
    return int(local.numel() * local.element_size())


def _torch_states(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> States:
    def count() -> tuple[int, int, int]:
        params = list(model.parameters())
        optimizer_bytes = sum(
            _local_bytes(value)
            for state in optimizer.state.values()
            for value in state.values()
            if hasattr(value, "element_size") and value.dim() > 0
        )
        grads = sum(_local_bytes(p.grad) for p in params if p.grad is not None)
        return sum(_local_bytes(p) for p in params), grads, optimizer_bytes

    return count


def _single(model: torch.nn.Module, args: argparse.Namespace) -> tuple[Step, States]:
    import torch

    model.cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, fused=True)

    def step(batch: torch.Tensor) -> float:
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        optimizer.step()
        # Gradients stay until the next backward, so the model-state count sees them.
        optimizer.zero_grad(set_to_none=False)
        return float(loss.detach())

    return step, _torch_states(model, optimizer)


def _fsdp2_offload(model: torch.nn.Module, args: argparse.Namespace) -> tuple[Step, States]:
    import torch
    import torch.distributed as dist
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import CPUOffloadPolicy, MixedPrecisionPolicy, fully_shard

    torch.cuda.set_device(0)
    dist.init_process_group("nccl", device_id=torch.device("cuda", 0))
    mesh = init_device_mesh("cuda", (1,))
    policy: dict[str, Any] = {
        "mesh": mesh,
        "mp_policy": MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32),
        "offload_policy": CPUOffloadPolicy(),
    }
    for layer in model.model.layers:  # type: ignore[union-attr]  # LlamaForCausalLM's decoder
        fully_shard(layer, **policy)
    fully_shard(model, **policy)
    # Parameters live on the host, so AdamW steps there (foreach over CPU tensors).
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)

    def step(batch: torch.Tensor) -> float:
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
        return float(loss.detach())

    return step, _torch_states(model, optimizer)


def _zero_offload(model: torch.nn.Module, args: argparse.Namespace) -> tuple[Step, States]:
    import deepspeed  # type: ignore[import-untyped]  # DeepSpeed ships no type hints

    config = {
        "train_micro_batch_size_per_gpu": args.micro_batch,
        "gradient_accumulation_steps": 1,
        "bf16": {"enabled": True},
        "zero_optimization": {
            "stage": 2,
            "offload_optimizer": {"device": "cpu", "pin_memory": True},
        },
        # torch_adam: torch's AdamW on the host, no C++ build on a bare machine.
        "optimizer": {
            "type": "AdamW",
            "params": {"lr": args.lr, "torch_adam": not args.ds_cpu_adam},
        },
        "zero_force_ds_cpu_optimizer": False,
        "steps_per_print": 10**9,
    }
    engine, *_ = deepspeed.initialize(
        model=model, model_parameters=model.parameters(), config=config
    )

    def step(batch: torch.Tensor) -> float:
        loss = engine(input_ids=batch, labels=batch).loss
        engine.backward(loss)
        engine.step()
        return float(loss.detach())

    return step, lambda: _deepspeed_states(engine)


def _deepspeed_states(engine: Any) -> tuple[int, int, int]:
    """bf16 weights on the GPU; the fp32 partition, its gradient and Adam's state on the host."""
    params = sum(_local_bytes(p) for p in engine.module.parameters())
    fp32 = getattr(engine.optimizer, "single_partition_of_fp32_groups", [])
    grads = sum(_local_bytes(p.grad) for p in fp32 if p.grad is not None)
    inner = getattr(engine.optimizer, "optimizer", None)
    state = inner.state.values() if inner is not None else []
    adam = sum(
        _local_bytes(v) for s in state for v in s.values() if hasattr(v, "dim") and v.dim() > 0
    )
    return params, grads, adam + sum(_local_bytes(p) for p in fp32)


BUILDERS: dict[str, Callable[[torch.nn.Module, argparse.Namespace], tuple[Step, States]]] = {
    "single": _single,
    "fsdp2_offload": _fsdp2_offload,
    "zero_offload": _zero_offload,
}


if __name__ == "__main__":
    main()
