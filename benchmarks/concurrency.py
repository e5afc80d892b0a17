"""Concurrent trials: achieved throughput ÷ ideal, with a mock model that sleeps per call.

40 trials of a tiny task (one module, one hidden test) run at concurrency 8 with a scripted
mock model sleeping 200 ms per call. The ideal wall time is the larger of two bounds, both
measured in this run: model time (each trial's critical path of model calls) spread over the
concurrency, and the machine's busy CPU time during the run (sandboxed commands and tests, git,
this process) spread over min(concurrency, CPU cores).

Usage: .venv/bin/python benchmarks/concurrency.py [--trials 40] [--concurrency 8] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import yaml

from experiments._matrix import new_experiment_dir, run_matrix
from experiments._results import TrialResult

TASK = {
    "id": "bench-task",
    "title": "A one-line module",
    "difficulty": "easy",
    "prompt": "Write a module `one.py` with a function `one()` that returns 1.",
}


def make_task(root: Path) -> Path:
    folder = root / "bench-task"
    (folder / "hidden_tests").mkdir(parents=True)
    (folder / "reference").mkdir()
    (folder / "task.yaml").write_text(yaml.safe_dump(TASK))
    (folder / "hidden_tests" / "test_one.py").write_text(
        "from one import one\n\n\ndef test_one():\n    assert one() == 1\n"
    )
    (folder / "reference" / "one.py").write_text("def one():\n    return 1\n")
    return folder


def script(root: Path, name: str, latency: float, journal: bool) -> Path:
    write = {
        "name": "write_file",
        "arguments": {"path": "one.py", "content": "def one():\n    return 1\n"},
    }
    steps = [write, {"name": "done", "arguments": {"summary": "one.py"}}]
    if journal:
        note = {"name": "journal", "arguments": {"kind": "summary", "text": "one.py returns 1."}}
        steps.insert(0, note)
    outputs = [{"tool_calls": [step], "delay_s": latency} for step in steps]
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"outputs": outputs}))
    return path


def critical_model_s(result: TrialResult) -> float:
    regen = max((r.usage.latency_s for r in result.regenerators.values()), default=0.0)
    return (result.builder.usage.latency_s if result.builder else 0.0) + regen


def cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine (Linux /proc/stat): sandboxed processes included,
    wherever their namespaces put them. Run the benchmark on an otherwise idle machine."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        task = make_task(root)
        spec = {
            "name": "bench",
            "tasks": [str(task)],
            "arms": ["journal", "prompt"],
            "trials": args.trials,
            "models": [
                {
                    "builder": f"mock/{script(root, 'b', args.latency, True)}",
                    "regenerator": f"mock/{script(root, 'r', args.latency, False)}",
                }
            ],
        }
        (root / "experiment.yaml").write_text(yaml.safe_dump(spec))
        folder = new_experiment_dir(root / "experiment.yaml", root / "runs")
        started, cpu_before = time.perf_counter(), cpu_seconds()
        progress = run_matrix(folder, max_concurrency=args.concurrency)
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
        results = [
            TrialResult.model_validate_json(p.read_text()) for p in folder.glob("*/results.json")
        ]
    cores = os.cpu_count() or 1
    model_bound = sum(critical_model_s(r) for r in results) / args.concurrency
    cpu_bound = cpu / min(args.concurrency, cores)
    ideal = max(model_bound, cpu_bound)
    print(json.dumps({"trials": progress.done, "failed": len(progress.failed)}))
    slots = min(args.concurrency, cores)
    print(
        f"wall {wall:.1f} s; ideal {ideal:.1f} s = max(model {model_bound:.1f} s over "
        f"{args.concurrency} slots, CPU {cpu_bound:.1f} s over {slots} cores)"
    )
    print(f"throughput / ideal = {ideal / wall:.2f}")


if __name__ == "__main__":
    main()
