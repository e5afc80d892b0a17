"""Cost of the sandbox: the largest task's hidden tests run through `run_hidden_tests` (copies,
reporting plugin, bwrap) as a ratio to plain pytest on the same files, all measured here.

Two baselines: `pytest.main` in this process (the task's code and test modules are dropped from
`sys.modules` after each run, so each run imports them afresh) and pytest in a subprocess (which
also pays for starting Python and importing pytest, as the sandboxed run does).

Usage: .venv/bin/python benchmarks/sandbox_overhead.py [--repeat N] [--sandbox auto|bwrap|local]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from unittest import mock

import pytest

from analysis import run_hidden_tests
from experiments import LoadedTask, list_tasks
from sandbox import get_sandbox

SANDBOXED = "run_hidden_tests (sandbox)"


def largest_task() -> LoadedTask:
    """The bundled task with the most reference code."""

    def size(task: LoadedTask) -> int:
        return sum(len(p.read_text().splitlines()) for p in task.reference_dir.rglob("*.py"))

    return max(list_tasks().tasks, key=size)


def copies(task: LoadedTask, scratch: Path) -> tuple[Path, Path]:
    """Copies of the task's reference code and hidden tests, for the plain-pytest baselines."""
    code, tests = scratch / "code", scratch / "tests"
    if not code.exists():
        shutil.copytree(task.reference_dir, code)
        shutil.copytree(task.hidden_tests_dir, tests)
    return code, tests


def pytest_args(tests: Path) -> list[str]:
    """The same pytest set-up as the sandboxed run (with no third-party plugins auto-loaded)."""
    return ["-q", "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(tests), str(tests)]


def plain_pytest(task: LoadedTask, scratch: Path) -> Callable[[], None]:
    """Plain pytest in a subprocess on copies of the same code and tests, no sandbox."""
    code, tests = copies(task, scratch)
    env = {
        **os.environ,
        "PYTHONPATH": str(code / task.spec.tests.import_root),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    command = [sys.executable, "-m", "pytest", *pytest_args(tests)]

    def run() -> None:
        subprocess.run(command, env=env, capture_output=True, check=True)

    return run


def in_process_pytest(task: LoadedTask, scratch: Path) -> Callable[[], None]:
    """`pytest.main` in this process on the same copies, each run importing the task afresh."""
    code, tests = copies(task, scratch)
    import_path = str(code / task.spec.tests.import_root)

    def run() -> None:
        saved_path = list(sys.path)
        sys.path.insert(0, import_path)
        env = mock.patch.dict(os.environ, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        try:
            with env, redirect_stdout(io.StringIO()):
                status = pytest.main(pytest_args(tests))
        finally:
            sys.path[:] = saved_path
            forget_modules_under(scratch)
        assert status == pytest.ExitCode.OK, status

    return run


def forget_modules_under(folder: Path) -> None:
    """Drop the modules loaded from `folder` (the task's code, its tests and conftest files)."""
    prefix = f"{folder.resolve()}{os.sep}"
    for name, module in list(sys.modules.items()):
        if str(Path(getattr(module, "__file__", None) or "/").resolve()).startswith(prefix):
            del sys.modules[name]


def medians_s(runs: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Median seconds of each run, taken in turns so that a change in load hits all of them."""
    for fn in runs.values():
        fn()  # warm the file cache (and, in process, pytest's own imports)
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(times) for name, times in samples.items()}


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
        runs = {
            "pytest.main, in this process": in_process_pytest(task, Path(scratch)),
            "pytest, in a subprocess": plain_pytest(task, Path(scratch)),
            SANDBOXED: sandboxed,
        }
        times = medians_s(runs, args.repeat)
    print(f"task: {task.id} ({task.hidden_test_count} hidden tests), sandbox: {box.name}")
    print(f"median of {args.repeat} runs each; ratio: {SANDBOXED} time / the row's time")
    for name, seconds in times.items():
        print(f"{name:<32} {seconds:>7.3f} s   {times[SANDBOXED] / seconds:5.2f}x")
    ratio = times[SANDBOXED] / times["pytest, in a subprocess"]
    print(f"sandboxed hidden tests / pytest in a subprocess: {ratio:.2f}x (goal <= 1.2)")


if __name__ == "__main__":
    main()
