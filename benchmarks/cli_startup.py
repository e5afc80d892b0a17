"""How long `experiment --help` takes, as a ratio to a bare Python start measured in the same run.

Usage: .venv/bin/python benchmarks/cli_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence


def median_seconds(command: Sequence[str], repeat: int) -> float:
    """Median wall time of running `command` `repeat` times (after one warm-up run)."""
    subprocess.run(command, capture_output=True, check=True)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    baseline = median_seconds([sys.executable, "-c", "pass"], args.repeat)
    cases = {
        "import typer": [sys.executable, "-c", "import typer"],
        "experiment --help": [sys.executable, "-m", "experiments.cli", "--help"],
        "experiment tasks list": [sys.executable, "-m", "experiments.cli", "tasks", "list"],
    }
    print(f"{'case':<24} {'median s':>9} {'x bare python':>14}")
    print(f"{'bare python':<24} {baseline:>9.3f} {1.0:>14.2f}")
    measured = {}
    for name, command in cases.items():
        measured[name] = median_seconds(command, args.repeat)
        print(f"{name:<24} {measured[name]:>9.3f} {measured[name] / baseline:>14.2f}")
    help_s, tasks_s = measured["experiment --help"], measured["experiment tasks list"]
    print(
        f"--help {help_s / baseline:.1f}x and {help_s:.2f} s, tasks list {tasks_s / baseline:.1f}x "
        f"and {tasks_s:.2f} s, each against a bare Python start (goal <= 5x and <= 0.4 s)"
    )


if __name__ == "__main__":
    main()
