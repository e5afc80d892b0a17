"""Cost of the sandbox: the largest task's hidden tests run through `run_hidden_tests` (copies,
reporting plugin, bwrap) as a ratio to plain pytest on the same files, both measured here.

Usage: .venv/bin/python benchmarks/sandbox_overhead.py [--repeat N] [--sandbox auto|bwrap|local]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analysis import run_hidden_tests
from experiments import LoadedTask, list_tasks
from sandbox import get_sandbox


def largest_task() -> LoadedTask:
    """The bundled task with the most reference code."""

    def size(task: LoadedTask) -> int:
        return sum(len(p.read_text().splitlines()) for p in task.reference_dir.rglob("*.py"))

    return max(list_tasks().tasks, key=size)


def plain_pytest(task: LoadedTask, scratch: Path) -> Callable[[], None]:
    """Plain pytest in a subprocess on copies of the same code and tests, no sandbox."""
    code = scratch / "code"
    tests = scratch / "tests"
    shutil.copytree(task.reference_dir, code)
    shutil.copytree(task.hidden_tests_dir, tests)
    # Same pytest set-up as the sandboxed run: no third-party plugins auto-loaded.
    env = {
        **os.environ,
        "PYTHONPATH": str(code / task.spec.tests.import_root),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull]
    command += ["--rootdir", str(tests), str(tests)]

    def run() -> None:
        subprocess.run(command, env=env, capture_output=True, check=True)

    return run


def median_s(fn: Callable[[], None], repeat: int) -> float:
    fn()  # warm the file cache
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args()
    task = largest_task()
    box = get_sandbox(args.sandbox)

    def sandboxed() -> None:
        result = run_hidden_tests(
            task.reference_dir,
            task.hidden_tests_dir,
            import_root=task.spec.tests.import_root,
            sandbox=box,
        )
        assert result.pass_rate == 1.0, result.output_tail

    with tempfile.TemporaryDirectory() as scratch:
        baseline = median_s(plain_pytest(task, Path(scratch)), args.repeat)
        measured = median_s(sandboxed, args.repeat)
    print(f"task: {task.id} ({task.hidden_test_count} hidden tests), sandbox: {box.name}")
    print(f"{'plain pytest (subprocess)':<28} {baseline:>7.3f} s   1.00x")
    print(f"{'run_hidden_tests (sandbox)':<28} {measured:>7.3f} s   {measured / baseline:.2f}x")


if __name__ == "__main__":
    main()
