"""`openai-compatible/...` against a real server (slow tier): llama-cpp-python's own
`llama_cpp.server` serving the embedded Qwen2.5-Coder 0.5B GGUF on 127.0.0.1, driven through
langchain-openai by the agent loop, once with JSON actions and once with native tool calls.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agents import AgentContext, AgentLimits, AgentRun, Toolbox, Workspace, run_agent
from agents.models import get_model
from agents.models._langchain import _JSON_MODES
from agents.models._local import model_path
from sandbox import get_sandbox

pytestmark = pytest.mark.slow

SYSTEM = "You are a careful software engineer. Build what the task asks with the tools."
TASK = "Create `hello.py` that prints hello. Then call `done`."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama_cpp.server on a free port of 127.0.0.1; its base URL."""
    port = _free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path("qwen2.5-coder-0.5b")),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192",
    ]  # fmt: skip
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(process, url, log_path)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {log.read_text(errors='replace')[-500:]!r}")
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    pytest.fail("llama_cpp.server did not start within 180 s")


def _agent_run(url: str, tool_mode: str, tmp_path: Path) -> tuple[AgentRun, list[dict[str, Any]]]:
    model = get_model("openai-compatible/qwen2.5-coder-0.5b", base_url=url, tool_mode=tool_mode)
    workspace = Workspace(tmp_path / "ws")
    transcript = tmp_path / "transcript.jsonl"
    context = AgentContext(
        role="builder",
        model=model,
        toolbox=Toolbox(workspace, get_sandbox("auto")),
        limits=AgentLimits(max_turns=3, max_output_tokens=2000, timeout_s=300, tokens_per_turn=256),
        transcript=transcript,
        seed=0,
    )
    run = run_agent(SYSTEM, TASK, context)
    replies = [json.loads(line)["reply"] for line in transcript.open()]
    return run, [r for r in replies if r]


def test_an_agent_acts_through_json_actions_on_llama_cpp_server(
    server: str, tmp_path: Path
) -> None:
    run, replies = _agent_run(server, "json", tmp_path)
    assert run.replies >= 1 and run.error is None
    # The server refused the json_schema response format; the json_object one with a schema
    # took its place, and every reply was an action.
    assert _JSON_MODES[server] == "json_object"
    assert replies and all(r["tool_calls"] for r in replies)
    assert all(r["usage"]["output_tokens"] > 0 for r in replies)


def test_an_agent_acts_through_native_tool_calls_on_llama_cpp_server(
    server: str, tmp_path: Path
) -> None:
    run, replies = _agent_run(server, "native", tmp_path)
    assert run.replies >= 1 and run.error is None
    # The server returns Qwen's tool calls as text; they are read as calls of our tools.
    calls = [c for r in replies for c in r["tool_calls"]]
    tools = {"write_file", "read_file", "list_files", "delete_file", "run", "done"}
    assert calls and {c["name"] for c in calls} <= tools
