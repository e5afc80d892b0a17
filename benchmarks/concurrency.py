"""Concurrent trials: achieved throughput ÷ ideal, with a mock model that sleeps per call.

40 trials of a tiny task (one module, one hidden test) run at concurrency 8 with a scripted
mock model sleeping 200 ms per call. The ideal wall time is the larger of two bounds, both
measured in this run: model time (each trial's critical path of model calls) spread over the
concurrency, and the machine's busy CPU time during the run (sandboxed commands and tests, git,
this process) spread over min(concurrency, CPU cores). The model-only ratio (model bound ÷ wall)
is printed beside it, with a plain statement of which bound held on this machine, and the
machine's busy cores sampled every 0.25 s (ramp-up, steady state, tail) say where a shortfall
goes.

Usage: .venv/bin/python benchmarks/concurrency.py [--trials 40] [--concurrency 8] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import yaml

from experiments import RunDir, TrialResult, new_experiment_dir, run_experiment

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


class CpuSampler:
    """The machine's busy cores, sampled from /proc/stat every `interval` s in a thread."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        """(seconds since the start, cores busy over the interval before it)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        started, before, last = time.perf_counter(), cpu_seconds(), time.perf_counter()
        while not self._stop.wait(self.interval):
            now, busy = time.perf_counter(), cpu_seconds()
            self.samples.append((now - started, (busy - before) / (now - last)))
            before, last = busy, now

    def phases(self, edge_s: float = 2.0) -> tuple[float, float, float]:
        """Mean busy cores in the first `edge_s` seconds, the middle, and the last `edge_s`."""
        end = self.samples[-1][0] if self.samples else 0.0

        def mean(inside: list[float]) -> float:
            return statistics.fmean(inside) if inside else float("nan")

        return (
            mean([c for t, c in self.samples if t <= edge_s]),
            mean([c for t, c in self.samples if edge_s < t <= end - edge_s]),
            mean([c for t, c in self.samples if t > end - edge_s]),
        )


class Measured(NamedTuple):
    """What one run of the matrix took."""

    done: int
    failed: int
    wall_s: float
    cpu_s: float
    """Busy CPU of the whole machine during the run."""
    own_cpu_s: float
    """CPU of this process and the processes it waited for (sandboxes, tests, git)."""
    model_s: float
    """Sum over trials of each trial's critical path of model calls."""
    busy: tuple[float, float, float]
    """Mean busy cores in the first 2 s, the middle and the last 2 s of the run."""


def own_cpu_seconds() -> float:
    """User and system CPU of this process and its reaped children."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_bench(trials: int, concurrency: int, latency: float) -> Measured:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        spec = {
            "name": "bench",
            "tasks": [str(make_task(root))],
            "arms": ["journal", "prompt"],
            "trials": trials,
            "models": [
                {
                    "builder": f"mock/{script(root, 'b', latency, True)}",
                    "regenerator": f"mock/{script(root, 'r', latency, False)}",
                }
            ],
        }
        (root / "experiment.yaml").write_text(yaml.safe_dump(spec))
        folder = new_experiment_dir(root / "experiment.yaml", root / "runs")
        started, cpu_before, own_before = time.perf_counter(), cpu_seconds(), own_cpu_seconds()
        with CpuSampler() as sampler:
            progress = run_experiment(folder, max_concurrency=concurrency)
        wall = time.perf_counter() - started
        cpu, own = cpu_seconds() - cpu_before, own_cpu_seconds() - own_before
        results = [
            TrialResult.model_validate_json(p.read_text())
            for p in folder.glob(f"*/{RunDir.RESULTS}")
        ]
    model = sum(critical_model_s(r) for r in results)
    return Measured(progress.done, len(progress.failed), wall, cpu, own, model, sampler.phases())


def report(m: Measured, concurrency: int) -> list[str]:
    """The ratios, and plainly which bound held on this machine."""
    cores = os.cpu_count() or 1
    slots = min(concurrency, cores)
    model_bound, cpu_bound = m.model_s / concurrency, m.cpu_s / slots
    ideal = max(model_bound, cpu_bound)
    lines = [
        json.dumps({"trials": m.done, "failed": m.failed}),
        f"wall {m.wall_s:.1f} s; ideal {ideal:.1f} s = max(model {model_bound:.1f} s over "
        f"{concurrency} slots, CPU {cpu_bound:.1f} s over {slots} cores)",
        # The CPU bound counts the pipeline's own work, so it can hide overhead: the model-only
        # ratio says how close the run came to what the model's latency alone allows.
        f"throughput / model-only ideal = {model_bound / m.wall_s:.2f}",
        # Where an ideal's shortfall goes: the ramp-up, the steady state or the tail.
        "cores busy (of {}): first 2 s {:.2f}, middle {:.2f}, last 2 s {:.2f}".format(
            cores, *m.busy
        ),
    ]
    if cpu_bound > model_bound:
        lines.append(
            f"CPU-bound on this machine ({cores} cores): the CPU work took longer than the "
            "model calls, so the model-only ratio cannot reach 1 here"
        )
    else:
        lines.append("model-bound: the model's latency, not this machine's CPU, set the pace")
    if m.cpu_s > 1.5 * m.own_cpu_s:
        # A sandboxed command runs in its own PID namespace and cgroup, and its CPU does not reach
        # this process's children's rusage (a sandboxed pytest: about 1.7 s on the machine, 0.01 s
        # charged here), so only the machine's count includes it: run on an idle machine.
        lines.append(
            f"CPU counted: {m.cpu_s:.1f} s on the machine, {m.own_cpu_s:.1f} s charged to this "
            "run's processes; the rest is the sandboxed commands (not charged to their parent) "
            "or other processes (run on an idle machine)"
        )
    lines.append(f"throughput / ideal = {ideal / m.wall_s:.2f} (goal >= 0.95)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    measured = run_bench(args.trials, args.concurrency, args.latency)
    print("\n".join(report(measured, args.concurrency)))


if __name__ == "__main__":
    main()
