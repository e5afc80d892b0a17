"""The embedded models (slow tier): they load offline, generate, and act through JSON actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents import ActionParseError
from agents.models import GenerateConfig, Message, get_model
from agents.models._local import LOCAL_MODELS, LocalModel, _common_prefix, model_path
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


# --- the instruct models (the 0.5B: the fastest that proves the same as the 1.5B) ---

QWEN = "local/qwen2.5-coder-0.5b"
TASK = [
    Message.system("You build small Python modules with the tools."),
    Message.user("Create hello.py that prints hello, then finish."),
]


def _engine(model: LocalModel) -> Any:
    return model._engine()


def test_qwen_weights_are_assembled_and_match_their_sha256() -> None:
    import hashlib

    path = model_path("qwen2.5-coder-0.5b")
    assert path.stat().st_size == 491_400_064
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == LOCAL_MODELS["qwen2.5-coder-0.5b"].weights.sha256


def test_instruct_models_are_prompted_through_their_chat_template() -> None:
    model = get_model(QWEN)
    assert isinstance(model, LocalModel)
    engine = _engine(model)
    prompt = model._chat_prompt(engine, TASK, [WRITE, DONE])
    assert prompt.startswith("<|im_start|>system\nYou build small Python modules")
    assert '{"tool": NAME, "arguments": {...}}' in prompt  # the JSON action instructions
    assert prompt.endswith("<|im_start|>assistant\n")
    reply = model.generate(TASK[1:], config=GenerateConfig(max_output_tokens=32, seed=0))
    assert reply.text.strip() and "<|im_" not in reply.text


def test_qwen_acts_through_a_json_action_and_reuses_its_prefix_next_turn() -> None:
    model = get_model(QWEN)
    assert isinstance(model, LocalModel)
    config = GenerateConfig(max_output_tokens=128, seed=0)
    first = model.generate(TASK, tools=[WRITE, DONE], config=config)
    [call] = first.tool_calls
    assert call.name in {"write_file", "done"}
    engine = _engine(model)
    conversation = [*TASK, first.as_message(), Message.tool("wrote hello.py", call.id)]
    turn_two = engine.tokenize(model._chat_prompt(engine, conversation, [WRITE, DONE]), chat=True)
    # The second turn's prompt starts with everything the first one evaluated, its reply
    # included: llama.cpp evaluates only the tool result and what follows.
    evaluated = first.usage.input_tokens + first.usage.output_tokens
    assert max(_common_prefix(c.llama, turn_two) for c in engine.contexts) >= evaluated - 1
    second = model.generate(conversation, tools=[WRITE, DONE], config=config)
    assert second.tool_calls


def test_agents_taking_turns_keep_their_own_contexts() -> None:
    a, b = LocalModel("qwen2.5-coder-0.5b"), LocalModel("qwen2.5-coder-0.5b")
    other = [Message.system("You answer in one word."), Message.user("Name a colour.")]
    config = GenerateConfig(max_output_tokens=8, seed=0)
    a.generate(TASK, config=config)
    b.generate(other, config=config)
    engine = _engine(a)
    prompts = [
        engine.tokenize(m._chat_prompt(engine, c, []), chat=True)
        for m, c in ((a, TASK), (b, other))
    ]
    holders = [max(engine.contexts, key=lambda c: _common_prefix(c.llama, p)) for p in prompts]
    assert holders[0] is not holders[1]
    assert all(_common_prefix(h.llama, p) == len(p) for h, p in zip(holders, prompts, strict=True))


def test_generation_stops_at_its_deadline() -> None:
    model = get_model(QWEN)
    long = [Message.user("Write a long story about a cache, with many chapters.")]
    reply = model.generate(long, config=GenerateConfig(max_output_tokens=2000, timeout_s=2.0))
    # Checked after each generated token: a prompt slower than the deadline yields no token.
    assert reply.stop_reason == "other" and reply.usage.output_tokens < 2000
    with pytest.raises(ActionParseError, match=r"cut at its 0\.5 s deadline"):
        model.generate(TASK, tools=[WRITE, DONE], config=GenerateConfig(timeout_s=0.5))


def test_setup_check_runs_a_generation_in_a_subprocess() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "agents.models._prove"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    assert line.startswith("llama.cpp built for x86_64 ") and "(AMX off)" in line
    assert "a test generation ran (gemma-3-270m, 4 tokens in" in line


EXIT_CHILD = """
import atexit, json, sys, threading
from pathlib import Path

def report():  # registered before any model loads, so it runs after the model's exit cleanup
    for thread in threading.enumerate():
        if thread.name == "agent-step":
            thread.join(2.0)
    from agents.models import _local
    alive = [t.name for t in threading.enumerate() if t.name == "agent-step" and t.is_alive()]
    Path(sys.argv[1]).write_text(json.dumps({"alive": alive, "engines": len(_local._engines)}))

atexit.register(report)
from agents._agent import StepTimeout, bounded
from agents.models import GenerateConfig, Message, get_model

model = get_model(sys.argv[2])
model.generate([Message.user("hi")], config=GenerateConfig(max_output_tokens=1))
story = [Message.user("Write a long story about a cache, with many chapters.")]
try:
    bounded(lambda: model.generate(story, config=GenerateConfig(max_output_tokens=2000)), 1.0)
except StepTimeout:
    print("abandoned", flush=True)
"""


def test_an_abandoned_generation_is_stopped_and_freed_before_the_process_exits(
    tmp_path: Path,
) -> None:
    """An agent step given up at its limit leaves llama.cpp generating on a daemon thread; the
    exit cleanup stops it and frees the contexts, instead of interpreter shutdown tearing the
    model down under it (which can end a finished run with SIGSEGV)."""
    import json
    import subprocess
    import sys

    marker = tmp_path / "exit.json"
    done = subprocess.run(
        [sys.executable, "-c", EXIT_CHILD, str(marker), QWEN],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "abandoned"
    assert json.loads(marker.read_text()) == {"alive": [], "engines": 0}
