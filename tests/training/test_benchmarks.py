"""The training benchmarks: the CPU scaling table from a fake core, the GPU script's refusal."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training.report_fakes import fake_train
from training import TrainConfig, TrainResult, _compare
from training._compare import Core

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_scaling_prints_ratios_to_single_measured_in_the_same_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    trained: list[TrainConfig] = []

    def train(config: TrainConfig, out_dir: Path) -> TrainResult:
        trained.append(config)
        return fake_train(config, out_dir)

    monkeypatch.setattr(_compare, "default_core", lambda: Core(train, train, lambda: ""))
    script = str(BENCHMARKS / "training_scaling.py")
    monkeypatch.setattr(sys, "argv", [script, "--strategies", "ddp,zero3", "--steps", "4"])
    runpy.run_path(script, run_name="__main__")
    # single is added first: it is the baseline every ratio divides by.
    assert [c.strategy for c in trained] == ["single", "ddp", "zero3"]
    assert {c.steps for c in trained} == {4}
    table = capsys.readouterr().out.split("Ψ = 1,000,000 parameters")[1].splitlines()[1:]
    assert table[0].startswith("strategy") and table[1].startswith("single")
    assert table[3].split()[0] == "zero3" and table[3].split()[-1] == "0.50x"


def test_gpu_script_refuses_clearly_without_cuda() -> None:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(BENCHMARKS.parent)}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "training_gpu.py")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("training_gpu.py needs ") and "fix: " in done.stderr
    assert "Traceback" not in done.stderr
