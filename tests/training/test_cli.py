"""`experiment train memory|run|compare` through typer's CliRunner, with a fake training core."""

from __future__ import annotations

import importlib.abc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.training.report_fakes import fake_result, fake_train
from training import TrainConfig, TrainResult, _compare
from training._compare import Core
from training._types import CompareResult
from training.cli import train_app

runner = CliRunner()


class FakeCore:
    """Records every call; trains nothing."""

    def __init__(self) -> None:
        self.configs: list[TrainConfig] = []
        self.failures: list[dict[str, Any]] = []

    def train(self, config: TrainConfig, out_dir: Path) -> TrainResult:
        self.configs.append(config)
        return fake_train(config, out_dir)

    def train_with_failure(self, config: TrainConfig, out_dir: Path, **kwargs: Any) -> TrainResult:
        self.failures.append({"config": config, **kwargs})
        result = fake_result(config)
        result.restarts, result.resumed_from_step = 1, 4
        return result

    def gguf_check(self) -> str:
        return "transformers has no gemma3 GGUF architecture (fake)."


@pytest.fixture
def core(monkeypatch: pytest.MonkeyPatch) -> FakeCore:
    fake = FakeCore()
    monkeypatch.setattr(
        _compare, "default_core", lambda: Core(fake.train, fake.train_with_failure, fake.gguf_check)
    )
    return fake


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "compare.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(args: list[str], *needles: str) -> None:
    result = runner.invoke(train_app, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    assert "fix: " in result.output and "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


def test_memory_prints_the_papers_example() -> None:
    result = runner.invoke(train_app, ["memory", "--params", "7.5e9", "--ranks", "64"])
    assert result.exit_code == 0, result.output
    for cell in ("120.0 GB", "31.4 GB", "16.6 GB", "1.9 GB", "4Ψ + 12Ψ/N", "16Ψ/N", "Ψ = 7.5B"):
        assert cell in result.output


def test_memory_json_for_one_stage() -> None:
    args = ["memory", "--params", "270M", "--ranks", "2", "--stage", "zero3", "--json"]
    result = runner.invoke(train_app, args)
    [row] = json.loads(result.output)
    assert (row["stage"], row["bytes_per_rank"], row["param_bytes"]) == ("zero3", 2.16e9, 2.7e8)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--params", "-5"], "--params '-5'"),
        (["--params", "lots"], "--params 'lots'"),
        (["--ranks", "0"], "--ranks '0'"),
        (["--ranks", "two"], "--ranks 'two'"),
        (["--stage", "zero4"], "--stage 'zero4'"),
        (["--k", "-1"], "--k '-1'"),
    ],
)
def test_memory_bad_input_is_one_line_naming_the_option(args: list[str], needle: str) -> None:
    one_line_error(["memory", *args], needle)


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; from training.cli import train_app\n"
        "try:\n    train_app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pydantic', 'yaml', 'matplotlib', 'numpy', 'torch', 'transformers',"
        " 'deepspeed') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().endswith("HEAVY []")


def test_compare_runs_each_strategy_on_the_same_settings(core: FakeCore, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["compare", "--strategies", "single,ddp,zero3", "--steps", "8", "--out", str(out)]
    result = runner.invoke(train_app, args)
    assert result.exit_code == 0, result.output
    assert [c.strategy for c in core.configs] == ["single", "ddp", "zero3"]
    assert {(c.steps, c.seed, c.model_size) for c in core.configs} == {(8, 0, "tiny")}
    assert "zero3 vs zero3 formula: 1.000, within 10 %" in result.output
    saved = CompareResult.model_validate_json((out / "compare.json").read_text())
    assert saved.gguf_check == "transformers has no gemma3 GGUF architecture (fake)."
    assert "| zero3 | 2 |" in (out / "report.md").read_text()
    assert (out / "runs" / "ddp" / "result.json").is_file()


def test_compare_config_with_a_failure_run(core: FakeCore, tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "strategies: [ddp]\ntrain: {steps: 12, seed: 7}\n"
        "failure: {strategy: ddp, kill_rank: 1, kill_at_step: 6}\ngguf: false\n",
    )
    result = runner.invoke(
        train_app, ["compare", "--config", str(config), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    [failure] = core.failures
    assert (failure["kill_rank"], failure["kill_at_step"], failure["max_restarts"]) == (1, 6, 2)
    assert failure["config"].checkpoint_every == 3 and failure["config"].seed == 7
    report = (tmp_path / "o" / "report.md").read_text()
    assert "ddp: rank 1 was SIGKILLed at step 6 of 12" in report
    assert "Not checked in this run." in report
    assert "1 restart(s) from step 4" in result.output


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("train: {stepz: 3}\n", ("field 'train.stepz'", "remove it")),
        ("strategies: [ddp, zero9]\n", ("field 'strategies.1'", "use one of single")),
        ("train: {steps: -1}\n", ("field 'train.steps'", "greater than 0")),
        ("failure: {kill_at_step: 50}\ntrain: {steps: 20}\n", ("field 'failure.kill_at_step'",)),
        ("failure: {kill_rank: 2}\n", ("field 'failure.kill_rank'", "use 0..1")),
        ("failure: {strategy: single}\n", ("field 'failure.strategy'",)),
        ("train: [unclosed\n", ("invalid YAML",)),
    ],
)
def test_bad_config_is_one_line_naming_file_and_field(
    core: FakeCore, tmp_path: Path, text: str, needles: tuple[str, ...]
) -> None:
    config = write(tmp_path, text)
    one_line_error(["compare", "--config", str(config)], str(config), *needles)
    assert core.configs == []


def test_missing_config_file(tmp_path: Path) -> None:
    one_line_error(["compare", "--config", str(tmp_path / "nope.yaml")], "nope.yaml", "cannot read")


def test_bad_options(core: FakeCore) -> None:
    one_line_error(["compare", "--strategies", "ddp,foo"], "--strategies", "['foo']")
    one_line_error(["compare", "--steps", "0"], "--steps")
    one_line_error(["run", "--strategy", "ddp,zero1"], "--strategy", "2 given")
    assert core.configs == []


def test_run_prints_one_summary_and_writes_the_result(core: FakeCore, tmp_path: Path) -> None:
    args = ["run", "--strategy", "zero2", "--steps", "5", "--world-size", "2"]
    result = runner.invoke(train_app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("zero2: 10,000 tokens/s, step 100.0 ms, peak 401.0 MB")
    assert "(1.00 of the zero2 formula)" in result.output
    saved = TrainResult.model_validate_json((tmp_path / "zero2" / "result.json").read_text())
    assert saved.config.steps == 5


class _TorchMissing(importlib.abc.MetaPathFinder):
    """Makes importing the training core fail as it would without torch."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if fullname == "training._launch":
            raise ModuleNotFoundError("No module named 'torch'", name="torch")


def test_missing_torch_is_one_line_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "training._launch", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_TorchMissing(), *sys.meta_path])
    one_line_error(["run", "--strategy", "ddp"], "torch is not installed", "scripts/setup")


def test_run_json(core: FakeCore, tmp_path: Path) -> None:
    args = ["run", "--strategy", "single", "--json", "--out", str(tmp_path)]
    result = runner.invoke(train_app, args)
    assert TrainResult.model_validate_json(result.output).config.strategy == "single"


@pytest.mark.slow
def test_real_compare_of_single_and_ddp(tmp_path: Path) -> None:
    """The real core: a tiny model, 2 CPU ranks, a few steps."""
    try:
        import torch  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("CI must test training: pip install -e '.[training]'")
        pytest.skip("torch is not installed (pip install -e '.[training]')")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    config = write(tmp_path, "strategies: [single, ddp]\ntrain: {steps: 6, eval_every: 3}\n")
    args = ["compare", "--config", str(config), "--out", str(tmp_path / "out")]
    result = runner.invoke(train_app, args)
    assert result.exit_code == 0, result.output
    saved = CompareResult.model_validate_json((tmp_path / "out" / "compare.json").read_text())
    assert [r.config.strategy for r in saved.results] == ["single", "ddp"]
    assert all(r.tokens_per_s > 0 and r.ranks for r in saved.results)
    assert saved.gguf_check
    assert (tmp_path / "out" / "loss.png").read_bytes().startswith(b"\x89PNG")
