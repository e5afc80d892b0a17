"""A hostile agent against its workspace: the host's git never runs what it plants, the file tools
never follow it into .git or block on a FIFO, and no step outlives the agent's wall time."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents import (
    AgentContext,
    AgentLimits,
    PathRefused,
    Toolbox,
    ToolResult,
    Workspace,
    run_agent,
)
from agents._agent import StepTimeout, bounded
from agents.models import MockModel, ToolCall
from sandbox import get_sandbox


def call(toolbox: Toolbox, name: str, **arguments: object) -> tuple[str, bool]:
    result = toolbox.call(ToolCall(id="c", name=name, arguments=arguments))
    return result.text, result.error


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    """A folder outside every workspace: a marker written there means the host ran agent code."""
    folder = tmp_path / "markers"
    folder.mkdir()
    return folder


# Each plants, from inside the workspace, a way for the host's next git call to run a command.
PLANTS = {
    "hook": (
        "mkdir -p .git/hooks && printf '#!/bin/sh\\nid > {m}/hook\\n' > .git/hooks/pre-commit"
        " && chmod +x .git/hooks/pre-commit && printf '#!/bin/sh\\nid > {m}/post\\n'"
        " > .git/hooks/post-commit && chmod +x .git/hooks/post-commit"
    ),
    "fsmonitor": "git config core.fsmonitor 'id > {m}/fsmonitor; true'",
    "include": (
        "printf '[core]\\n\\tfsmonitor = id > {m}/include; true\\n' > evil.cfg"
        " && git config include.path ../evil.cfg"
    ),
    "filter": (
        "printf '* filter=evil\\n' > .gitattributes"
        " && git config filter.evil.clean 'id > {m}/filter; cat'"
    ),
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_the_hosts_git_ignores_what_a_command_plants_in_git(
    tmp_path: Path, markers: Path, plant: str
) -> None:
    # The local backend cannot hide .git from the command, so this is the host's own defence.
    workspace = Workspace(tmp_path / "ws")
    toolbox = Toolbox(workspace, get_sandbox("local"))
    text, _ = call(toolbox, "run", command=PLANTS[plant].format(m=markers) + "; echo x > f.txt")
    call(toolbox, "write_file", path="g.txt", content="y")
    workspace.commit_all("again")
    assert workspace.log()[-1] == "write g.txt"
    assert list(markers.iterdir()) == [], f"the host ran planted code ({plant}): {text}"
    # What it planted is gone, so a reviewer's own `git status` there runs nothing either.
    config = (workspace.root / ".git" / "config").read_text()
    assert "fsmonitor" not in config and "include" not in config and "filter" not in config
    assert list((workspace.root / ".git" / "hooks").iterdir()) == []
    subprocess.run(["git", "status"], cwd=workspace.root, capture_output=True, check=True)
    assert list(markers.iterdir()) == []


def test_the_local_backend_says_it_cannot_hide_git(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    result = get_sandbox("local").run(["true"], workspace.root)
    assert any(".git" in weakness for weakness in result.weaknesses)


def test_a_symlink_to_git_is_refused_after_resolving(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    os.symlink(".git", workspace.root / "gitlink")
    os.symlink(".git/config", workspace.root / "configlink")
    for path in ("gitlink/config", "gitlink/hooks/pre-commit", "configlink", "gitlink"):
        with pytest.raises(PathRefused, match=r"\.git"):
            workspace.resolve(path)
    toolbox = Toolbox(workspace, get_sandbox("local"))
    text, error = call(toolbox, "write_file", path="gitlink/config", content="[core]\n")
    assert error and ".git" in text
    assert "[user]" in (workspace.root / ".git" / "config").read_text()


def test_git_replaced_by_a_symlink_stops_git_with_a_clear_error(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    elsewhere = tmp_path / "elsewhere"
    os.rename(workspace.root / ".git", elsewhere)
    os.symlink(elsewhere, workspace.root / ".git")
    toolbox = Toolbox(workspace, get_sandbox("local"))
    text, error = call(toolbox, "write_file", path="a.txt", content="x")
    assert error and "no longer a folder" in text


@pytest.mark.timeout(30)
def test_fifos_are_refused_without_blocking(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    os.mkfifo(workspace.root / "p")
    toolbox = Toolbox(workspace, get_sandbox("local"))
    for name, arguments in [
        ("write_file", {"path": "p", "content": "x"}),
        ("read_file", {"path": "p"}),
    ]:
        text, error = call(toolbox, name, **arguments)
        assert error and "not a regular file" in text, (name, text)


@pytest.mark.timeout(30)
def test_a_socket_is_refused(tmp_path: Path) -> None:
    import socket

    workspace = Workspace(tmp_path / "ws")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(workspace.root / "s"))
        text, error = call(Toolbox(workspace, get_sandbox("local")), "read_file", path="s")
    assert error and "not a regular file" in text


def test_a_step_past_the_time_limit_is_abandoned() -> None:
    started = time.monotonic()
    with pytest.raises(StepTimeout):
        bounded(lambda: time.sleep(30), 0.3)
    assert time.monotonic() - started < 5
    assert bounded(lambda: 7, 5) == 7
    with pytest.raises(ZeroDivisionError):
        bounded(lambda: 1 / 0, 5)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set when the test ends: a step the agent abandoned then returns, instead of holding its
    thread (and the mock provider's concurrency slot) for the rest of the test session."""
    event = threading.Event()
    yield event
    event.set()


def test_an_agent_blocked_in_a_tool_stops_at_its_wall_time(
    tmp_path: Path, release: threading.Event
) -> None:
    workspace = Workspace(tmp_path / "ws")
    toolbox = Toolbox(workspace, get_sandbox("local"))

    # A tool that blocks until the test ends: the agent must still stop at its limit.
    def block(path: str = ".") -> ToolResult:
        release.wait(3600)
        return ToolResult("never")

    toolbox._list_files = block  # type: ignore[method-assign]
    model = MockModel("blocking", [{"tool_calls": [{"name": "list_files", "arguments": {}}]}])
    limits = AgentLimits(max_turns=5, timeout_s=1.5)
    started = time.monotonic()
    run = run_agent("sys", "task", AgentContext("builder", model, toolbox, limits))
    assert run.stop_reason == "timeout" and "list_files" in (run.error or "")
    assert time.monotonic() - started < 10


def test_a_model_that_never_answers_is_stopped_at_the_wall_time(
    tmp_path: Path, release: threading.Event
) -> None:
    toolbox = Toolbox(Workspace(tmp_path / "ws"), get_sandbox("local"))

    def never(messages: object, tools: object) -> str:
        release.wait(3600)
        return "late"

    model = MockModel("slow", never)
    limits = AgentLimits(max_turns=5, timeout_s=1.0)
    run = run_agent("sys", "task", AgentContext("builder", model, toolbox, limits))
    assert (run.stop_reason, run.replies) == ("timeout", 0)


def test_a_run_command_never_outlives_the_agent(tmp_path: Path) -> None:
    toolbox = Toolbox(Workspace(tmp_path / "ws"), get_sandbox("local"), run_timeout_s=600)
    toolbox.deadline = time.monotonic() + 1.0
    started = time.monotonic()
    text, error = call(toolbox, "run", command="sleep 60")
    assert error and text.startswith("timed out")
    assert time.monotonic() - started < 10
