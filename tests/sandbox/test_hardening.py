"""Summed limits and hidden history: what a run may use together, and what it may not see."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from sandbox import Limits, LocalSandbox, Sandbox
from sandbox._cgroup import cgroup_support
from sandbox._docker import docker_argv
from sandbox._types import FALLBACK_PROCESSES

PY = sys.executable
CGROUP = cgroup_support()
needs_cgroup = pytest.mark.skipif(CGROUP is None, reason="this machine lets us make no cgroup")


def py(code: str) -> list[str]:
    return [PY, "-c", code]


@pytest.fixture
def repo(workspace: Path) -> Path:
    """A workspace with a .git folder holding a config and a hooks folder."""
    git = workspace / ".git"
    (git / "hooks").mkdir(parents=True)
    (git / "config").write_text("[core]\n\tbare = false\n")
    return workspace


def test_bwrap_hides_git_behind_an_empty_read_only_folder(bwrap: Sandbox, repo: Path) -> None:
    command = (
        "ls -A .git; echo '#!/bin/sh' > .git/hooks/pre-commit; echo $?;"
        " git config core.fsmonitor 'id'; echo $?; rm -rf .git; ls -d .git"
    )
    result = bwrap.run(["sh", "-c", command], repo)
    lines = result.stdout.split()
    assert lines[0] != "config" and "hooks" not in lines, result.stdout
    assert lines.count("0") == 0, result.stdout + result.stderr  # every write failed
    assert (repo / ".git" / "config").read_text() == "[core]\n\tbare = false\n"
    assert list((repo / ".git" / "hooks").iterdir()) == []


def test_bwrap_caps_its_private_tmp(bwrap: Sandbox, workspace: Path) -> None:
    code = (
        "f = open('/tmp/fill', 'wb')\n"
        "try:\n    [f.write(b'x' * 2**20) for _ in range(200)]; f.flush(); print('wrote')\n"
        "except OSError as e:\n    print('refused', e.errno)\n"
    )
    result = bwrap.run(py(code), workspace, limits=Limits(tmp_mb=32))
    assert "refused 28" in result.stdout, result.stdout + result.stderr  # ENOSPC


def test_a_run_that_fills_the_workspace_is_killed(backend: Sandbox, workspace: Path) -> None:
    # Many files, each under the file-size limit: only the workspace cap stops them.
    code = (
        "import itertools, time\n"
        "for i in itertools.count():\n"
        "    open(f'part{i}', 'wb').write(b'x' * 4 * 2**20); time.sleep(0.01)\n"
    )
    started = time.monotonic()
    result = backend.run(py(code), workspace, limits=Limits(workspace_mb=64, timeout_s=60))
    assert result.workspace_exceeded and not result.ok and not result.timed_out
    assert time.monotonic() - started < 30
    size = sum(p.stat().st_size for p in workspace.iterdir())
    assert size < 64 * 2**20 + 200 * 2**20  # the cap plus at most what a poll interval allows


def test_a_workspace_of_too_many_files_counts_as_over(
    backend: Sandbox, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox._base import _SizeWatcher

    monkeypatch.setattr(_SizeWatcher, "MAX_ENTRIES", 2000)
    code = "import time\nfor i in range(5000): open(f'f{i}', 'w').close()\ntime.sleep(2)\n"
    result = backend.run(py(code), workspace, limits=Limits(timeout_s=60))
    assert result.workspace_exceeded


@needs_cgroup
@pytest.mark.parametrize("kind", ["bwrap", "local"])
def test_memory_is_summed_over_the_runs_processes(
    kind: str, bwrap: Sandbox, workspace: Path
) -> None:
    backend = bwrap if kind == "bwrap" else LocalSandbox()
    # Four processes of 200 MiB each: every one is within its own limit, together they are not.
    code = (
        "import os, time\n"
        "for _ in range(4):\n"
        "    if os.fork() == 0:\n"
        "        block = bytearray(200 * 2**20); time.sleep(1); os._exit(0)\n"
        "for _ in range(4): os.wait()\n"
        "print('all held')\n"
    )
    limits = Limits(memory_mb=1024, total_memory_mb=400, timeout_s=60)
    result = backend.run(py(code), workspace, limits=limits)
    assert result.memory_exceeded, result.stdout + result.stderr
    within = backend.run(
        py(code), workspace, limits=limits.model_copy(update={"total_memory_mb": 2048})
    )
    assert "all held" in within.stdout and not within.memory_exceeded


@needs_cgroup
def test_the_local_backend_kills_a_process_that_left_its_group(workspace: Path) -> None:
    grandchild = (
        "import os, time, pathlib\n"
        "os.setsid()\n"
        "p = pathlib.Path('heartbeat')\n"
        "while True:\n    p.write_text(str(time.time())); time.sleep(0.05)\n"
    )
    code = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {grandchild!r}])"
    result = LocalSandbox().run(py(code), workspace, limits=Limits(timeout_s=10))
    assert result.ok
    time.sleep(0.5)
    beat = workspace / "heartbeat"
    before = beat.stat().st_mtime_ns if beat.exists() else 0
    time.sleep(0.5)
    after = beat.stat().st_mtime_ns if beat.exists() else 0
    assert before == after, "a process that called setsid outlived its run"


def test_without_a_cgroup_per_process_limits_fit_the_total() -> None:
    limits = Limits(memory_mb=2048, total_memory_mb=8192, processes=256)
    fitted = limits.per_process(summed=False)
    assert fitted.processes == FALLBACK_PROCESSES
    assert fitted.processes * fitted.memory_mb <= limits.total_memory_mb
    assert limits.per_process(summed=True) == limits


def test_without_a_cgroup_the_result_says_memory_is_not_summed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox import _base

    monkeypatch.setattr(_base, "run_group", _no_group)
    result = LocalSandbox().run(["true"], workspace)
    assert any("not summed" in weakness for weakness in result.weaknesses)


def _no_group(memory_bytes: int, processes: int) -> object:
    from contextlib import nullcontext

    return nullcontext(None)


def test_docker_hides_git_and_caps_tmp(repo: Path) -> None:
    argv = docker_argv(["true"], repo, [], Limits(tmp_mb=64), {}, image="img", name="n")
    joined = " ".join(argv)
    assert "--tmpfs /workspace/.git:ro,size=4k,mode=0555" in joined
    assert "--tmpfs /tmp:rw,exec,size=64m" in joined
