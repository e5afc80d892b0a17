"""The embedded model (slow tier): it loads offline, generates, and acts through JSON actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.models import GenerateConfig, Message, get_model
from agents.models._local import model_path
from tests.agents import tools
from tests.agents.tools import WRITE_FILE

pytestmark = pytest.mark.slow

WRITE, DONE = WRITE_FILE, tools.DONE


def test_the_model_file_is_assembled_once_into_the_cache() -> None:
    path = model_path("gemma-3-270m")
    assert path.name == "gemma-3-270m-q4_k_m.gguf" and path.stat().st_size > 100_000_000
    assert model_path("gemma-3-270m") == path
    assert not list(path.parent.glob(".*.part"))


def test_generates_text_offline() -> None:
    model = get_model("local/gemma-3-270m")
    reply = model.generate(
        [Message.user("Write a Python function `square(x)` that returns x squared.")],
        config=GenerateConfig(max_output_tokens=48, seed=0),
    )
    assert reply.text.strip()
    assert 0 < reply.usage.output_tokens <= 48
    assert reply.usage.input_tokens > 10
    assert reply.usage.cost_usd == 0.0
    assert reply.usage.tokens_per_second is not None and reply.usage.tokens_per_second > 0


def test_grammar_constrained_action_always_parses() -> None:
    model = get_model("local/gemma-3-270m")
    conversation = [
        Message.system("You build small Python modules."),
        Message.user("Create hello.py that prints hello, then finish."),
    ]
    for seed in range(3):
        reply = model.generate(
            conversation,
            tools=[WRITE, DONE],
            config=GenerateConfig(max_output_tokens=200, seed=seed),
        )
        [call] = reply.tool_calls
        assert call.name in {"write_file", "done"}
        assert set(call.arguments) >= (
            {"path", "content"} if call.name == "write_file" else {"summary"}
        )


def test_cli_model_check(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from experiments.cli import app

    result = CliRunner().invoke(
        app, ["models", "check", "local/gemma-3-270m", "--max-tokens", "24"]
    )
    assert result.exit_code == 0, result.output
    assert "tokens/s" in result.output and "cost $0.000000" in result.output
