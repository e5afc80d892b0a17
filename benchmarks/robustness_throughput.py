"""Robustness runner throughput: calls/s of `run_suite` ÷ the raw model's calls/s on the same
prompts, measured in one run.

The same planned calls (the bundled triage suite's quick profile, or --calls of its full plan)
are made three ways: `model.generate` in a plain loop in the runner's order (the baseline), the
same loop case by case (how a naive evaluation loop orders them, so consecutive prompts share
no prefix), and through the runner (plan, grading, results file, report excluded). With the
embedded models the runner's order lets llama.cpp reuse the prompt prefix it already holds.

Usage: .venv/bin/python benchmarks/robustness_throughput.py [--model local/qwen2.5-coder-0.5b]
       [--calls 24] [--max-tokens 24]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from agents.models import GenerateConfig, Model, get_model
from robustness import Call, Runner, generate_variants, load_suite, messages_for, plan_calls

SUITE = Path(__file__).resolve().parents[1] / "robustness" / "suites" / "support-triage.yaml"


def raw(model: Model, calls: list[Call], max_tokens: int) -> float:
    """Seconds for the calls through `model.generate` alone."""
    started = time.perf_counter()
    for call in calls:
        config = GenerateConfig(max_output_tokens=max_tokens, seed=call.seed)
        model.generate(messages_for(call.variant, call.case.vars), config=config)
    return time.perf_counter() - started


def through_runner(model: Model, calls: list[Call], max_tokens: int, folder: Path) -> float:
    """Seconds for the same calls through the runner (grading and results file included)."""
    loaded = load_suite(SUITE)
    generation = loaded.suite.generation.model_copy(update={"max_output_tokens": max_tokens})
    suite = loaded.suite.model_copy(update={"generation": generation})
    loaded = loaded.__class__(suite, loaded.path, loaded.prompts)
    runner = Runner(
        loaded,
        folder,
        "quick",
        model,
        cache=False,
        max_cost=None,
        max_concurrency=None,
        on_progress=None,
    )
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    runner.execute(calls, done=0, total=len(calls))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="local/qwen2.5-coder-0.5b")
    parser.add_argument("--calls", type=int, default=24, help="calls of the full plan to make")
    parser.add_argument("--max-tokens", type=int, default=24)
    args = parser.parse_args()
    loaded = load_suite(SUITE)
    plan = plan_calls(loaded, generate_variants(loaded), loaded.profile("full"))
    # A slice with both kinds of calls: clean repeats, then variants on a few cases each.
    calls = plan[: args.calls // 2] + plan[-(args.calls - args.calls // 2) :]
    naive = sorted(calls, key=lambda c: (c.case.id, c.variant.id))
    model = get_model(args.model)
    model.prepare()
    raw(model, calls[:2], args.max_tokens)  # warm-up: the first call loads the model
    print(f"{len(calls)} calls of {SUITE.name} on {args.model}, load {os.getloadavg()[0]:.1f}")
    baseline = raw(model, calls, args.max_tokens)
    shuffled = raw(model, naive, args.max_tokens)
    with tempfile.TemporaryDirectory() as folder:
        runner = through_runner(model, calls, args.max_tokens, Path(folder) / "run")
    n = len(calls)
    print(f"raw model, runner's order: {n / baseline:.3f} calls/s ({baseline:.1f} s)")
    print(f"raw model, case by case:   {n / shuffled:.3f} calls/s ({shuffled:.1f} s)")
    print(f"runner:                    {n / runner:.3f} calls/s ({runner:.1f} s)")
    print(f"case-by-case order / runner's order: {(n / shuffled) / (n / baseline):.2f}")
    print(f"runner / raw model (same prompts, same order): {(n / runner) / (n / baseline):.2f}")


if __name__ == "__main__":
    main()
