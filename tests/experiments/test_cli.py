"""The `experiment` CLI through typer's CliRunner, and its start-up cost in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from experiments.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_COMPATIBLE_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "tasks" in result.output and "models" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("regenlab ")


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; from experiments.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pydantic', 'langchain_core', 'llama_cpp', 'yaml', 'httpx',"
        " 'matplotlib', 'torch', 'boto3', 'pulumi') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().endswith("HEAVY []")


def test_tasks_list(tasks_dir: Path) -> None:
    result = runner.invoke(app, ["tasks", "list", "--tasks-dir", str(tasks_dir)])
    assert result.exit_code == 0, result.output
    assert "lru-ttl-cache" in result.output and "26" in result.output


def test_tasks_list_json(tasks_dir: Path) -> None:
    result = runner.invoke(app, ["tasks", "list", "--tasks-dir", str(tasks_dir), "--json"])
    [task] = json.loads(result.output)
    assert (task["id"], task["difficulty"], task["hidden_tests"]) == ("lru-ttl-cache", "easy", 26)


def test_tasks_list_reports_a_bad_task_and_exits_2(tasks_dir: Path, task_dir: Path) -> None:
    path = task_dir / "task.yaml"
    data = yaml.safe_load(path.read_text())
    data["colour"] = "blue"
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["tasks", "list", "--tasks-dir", str(tasks_dir)])
    assert result.exit_code == 2
    assert f"error: {path}: field 'colour': unknown field" in result.output


def test_tasks_show(tasks_dir: Path) -> None:
    result = runner.invoke(app, ["tasks", "show", "lru-ttl-cache", "--tasks-dir", str(tasks_dir)])
    assert result.exit_code == 0, result.output
    for expected in ("LRU cache with per-entry TTL", "26 in 1 file(s)", "lru_ttl.py", "prompt"):
        assert expected in result.output


def test_tasks_show_json(task_dir: Path) -> None:
    result = runner.invoke(app, ["tasks", "show", str(task_dir), "--json"])
    data = json.loads(result.output)
    assert data["id"] == "lru-ttl-cache" and data["limits"]["max_turns"] == 30
    assert "LRUCache" in data["prompt"]


def test_bad_task_file_is_one_line_and_exit_2(task_dir: Path) -> None:
    (task_dir / "task.yaml").write_text("id: lru-ttl-cache\ntitle: [oops\n")
    result = runner.invoke(app, ["tasks", "show", str(task_dir)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "invalid YAML" in lines[0]
    assert "Traceback" not in result.output


def test_unknown_task_exit_2(tasks_dir: Path) -> None:
    result = runner.invoke(app, ["tasks", "show", "nope", "--tasks-dir", str(tasks_dir)])
    assert result.exit_code == 2 and "no task 'nope'" in result.output


@pytest.mark.parametrize(
    ("model", "var"),
    [("anthropic/claude-sonnet-4-6", "ANTHROPIC_API_KEY"), ("openai/gpt-4.1", "OPENAI_API_KEY")],
)
def test_missing_api_key_is_one_line_and_exit_2(model: str, var: str) -> None:
    result = runner.invoke(app, ["models", "check", model])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == f"error: {var} is not set; {model} needs it: export {var}=<your key>"


def test_unknown_provider_exit_2() -> None:
    result = runner.invoke(app, ["models", "check", "nope/x"])
    assert result.exit_code == 2 and "unknown provider 'nope'" in result.output


def test_models_check_with_a_mock_script(tmp_path: Path) -> None:
    script = tmp_path / "hello.yaml"
    script.write_text(
        "- text: scripted hello world\n  usage: {input_tokens: 5, output_tokens: 3}\n"
    )
    result = runner.invoke(app, ["models", "check", "mock/hello", "--mock-script", str(script)])
    assert result.exit_code == 0, result.output
    assert "scripted hello world" in result.output
    assert "input 5 · output 3" in result.output
    assert "a test double, not a model result" in result.output


def test_models_check_json(tmp_path: Path) -> None:
    script = tmp_path / "s.json"
    script.write_text('["ok"]')
    result = runner.invoke(
        app, ["models", "check", "mock/s", "--mock-script", str(script), "--json"]
    )
    data = json.loads(result.output)
    assert data["model"] == "mock/s" and data["reply"] == "ok" and data["usage"]["cost_usd"] == 0.0


def test_models_check_against_a_fake_openai_compatible_server() -> None:
    from tests.agents.fake_llm_server import FakeLLMServer, openai_text

    server = FakeLLMServer().start()
    try:
        server.queue(
            openai_text("def square(x): return x * x", prompt_tokens=9, completion_tokens=11)
        )
        result = runner.invoke(
            app, ["models", "check", "openai-compatible/coder", "--base-url", f"{server.url}/v1"]
        )
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert "def square(x)" in result.output
    assert "input 9 · output 11" in result.output and "cost unknown" in result.output


def test_models_list_shows_providers_and_variables() -> None:
    result = runner.invoke(app, ["models", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for expected in (
        "anthropic",
        "openai-compatible",
        "local/qwen2.5-coder-1.5b",
        "ANTHROPIC_API_KEY (unset)",
    ):
        assert expected in result.output


def test_a_failed_model_call_is_one_line_and_exit_2() -> None:
    from tests.agents.fake_llm_server import FakeLLMServer, openai_error

    server = FakeLLMServer().start()
    try:
        server.queue(openai_error("invalid_api_key"), status=401)
        result = runner.invoke(
            app, ["models", "check", "openai-compatible/coder", "--base-url", f"{server.url}/v1"]
        )
    finally:
        server.stop()
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: openai-compatible/coder: HTTP 401: ")
