"""Distributed training on CPU: each strategy's throughput and peak memory ÷ the single process.

Trains the same tiny model on the same data and seed with every strategy (single, DDP, FSDP2
as ZeRO-2 and ZeRO-3, DeepSpeed ZeRO-1/2/3; 2 gloo ranks) through training's `train`, and
prints tokens/s, step time, peak RSS per rank and model-state bytes per rank, each with its
ratio to the single process measured in this same run. CPU ranks share the machine's cores,
so the throughput ratios describe this machine, not a GPU cluster; the model-state ratios are
the ones ZeRO's formulas predict (with N = 2: DP 1, stage 1 0.625, stage 2 0.5625, stage 3 0.5).

Usage: .venv/bin/python benchmarks/training_scaling.py [--steps 20] [--model-size tiny]
       [--strategies single,ddp,...] [--world-size 2] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from training import (
    STRATEGIES,
    TrainSettings,
    default_core,
    parse_strategies,
    run_one,
    scaling_table,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--model-size", default="tiny")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--world-size", type=int, default=2)
    parser.add_argument("--out", type=Path, help="Keep the runs here [default: a temp folder].")
    args = parser.parse_args()
    # One thread per rank: the ranks, not intra-op threads, should share the cores.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    strategies = parse_strategies(args.strategies)
    if "single" not in strategies:
        strategies.insert(0, "single")  # the baseline every ratio divides by
    settings = TrainSettings(
        model_size=args.model_size,
        steps=args.steps,
        eval_every=args.steps,
        world_size=args.world_size,
    )
    core = default_core()
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch)
        results = []
        for strategy in strategies:
            results.append(run_one(settings, strategy, out / strategy, core))
            print(f"done: {strategy}", flush=True)
    parameters = results[0].parameters
    print(f"\nΨ = {parameters:,} parameters, {args.steps} steps, {args.world_size} ranks, CPU/gloo")
    print(scaling_table(results))


if __name__ == "__main__":
    main()
