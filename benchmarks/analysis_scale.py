"""Analysis time against codebase size, on real code: pairs of ~1k, 10k and 50k lines taken from
installed packages' source, each against a mechanically mutated copy.

Prints seconds per 1k lines, the ratio to radon's own CLI (cc, mi and raw) on the same files,
and the growth exponent of analysis time in lines (1.0 is linear), all measured in this run.

Usage: .venv/bin/python benchmarks/analysis_scale.py [--sizes 1000 10000 50000]
"""

from __future__ import annotations

import argparse
import ast
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pydantic

from analysis import analyze

SOURCES = [Path(pydantic.__file__).parent, Path(ast.__file__).parent / "email"]


def pick_files(lines: int) -> list[Path]:
    """Python files from installed packages, in a fixed order, until `lines` is reached."""
    chosen, total = [], 0
    for root in SOURCES:
        for path in sorted(root.rglob("*.py")):
            chosen.append(path)
            total += len(path.read_text(encoding="utf-8", errors="replace").splitlines())
            if total >= lines:
                return chosen
    return chosen


def mutate(source: str) -> str:
    """Drop the last statement of every third function with more than one (a fixed mutation)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions[::3]:
        if len(function.body) > 1:
            function.body.pop()
    return ast.unparse(tree)


def make_pair(files: list[Path], folder: Path) -> tuple[Path, Path, int]:
    original, mutated = folder / "original", folder / "mutated"
    lines = 0
    for index, path in enumerate(files):
        name = f"m{index:04d}_{path.name}"
        text = path.read_text(encoding="utf-8", errors="replace")
        lines += len(text.splitlines())
        for side, body in ((original, text), (mutated, mutate(text))):
            side.mkdir(parents=True, exist_ok=True)
            (side / name).write_text(body, encoding="utf-8")
    return original, mutated, lines


def radon_cli_seconds(folders: list[Path]) -> float:
    started = time.perf_counter()
    for folder in folders:
        for command in (["cc", "-j"], ["mi", "-s", "-j"], ["raw", "-j"]):
            subprocess.run(
                [sys.executable, "-m", "radon", *command, str(folder)],
                capture_output=True,
                check=True,
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    args = parser.parse_args()
    points = []
    print(
        f"{'lines':>7} {'analysis s':>11} {'s per 1k lines':>15} {'radon CLI s':>12} {'x radon':>8}"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            original, mutated, lines = make_pair(pick_files(size), Path(scratch))
            started = time.perf_counter()
            analyze(original, mutated)
            seconds = time.perf_counter() - started
            radon_s = radon_cli_seconds([original, mutated])
        points.append((lines, seconds, radon_s))
        print(
            f"{lines:>7} {seconds:>11.2f} {seconds / lines * 1000:>15.3f} {radon_s:>12.2f} "
            f"{seconds / radon_s:>8.2f}"
        )
    if len(points) > 1:
        (x0, y0, _), (x1, y1, _) = points[0], points[-1]
        exponent = math.log(y1 / y0) / math.log(x1 / x0)
        print(f"growth exponent (time ~ lines^k) from {x0} to {x1} lines: k = {exponent:.2f}")
    lines, seconds, radon_s = points[-1]
    print(f"analysis / radon CLI at {lines} lines: {seconds / radon_s:.2f}x (goal <= 1.5)")


if __name__ == "__main__":
    main()
