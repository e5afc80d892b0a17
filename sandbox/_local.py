"""The `local` backend: a subprocess with rlimits. Weaker: no namespaces, and it says so."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from sandbox._base import Sandbox
from sandbox._cgroup import cgroup_support
from sandbox._types import Layout, Limits, Mount, RunRequest

# Runs in the child: apply the limits, then become the command. Kept tiny and dependency-free.
_LAUNCHER = """\
import json, os, resource, sys
limits = json.loads(sys.argv[1])
for name, value in limits.items():
    try:
        resource.setrlimit(getattr(resource, name), (value, value))
    except (ValueError, OSError):
        pass
os.execvp(sys.argv[2], sys.argv[2:])
"""


def rlimits(limits: Limits) -> dict[str, int]:
    """The resource limits to set, by `resource` constant name."""
    mib = 1024 * 1024
    return {
        "RLIMIT_CPU": limits.cpu_seconds,
        "RLIMIT_AS": limits.memory_mb * mib,
        "RLIMIT_FSIZE": limits.file_size_mb * mib,
        "RLIMIT_NPROC": limits.processes,
        "RLIMIT_NOFILE": limits.open_files,
        "RLIMIT_CORE": 0,
    }


@cache
def _home() -> str:
    return tempfile.mkdtemp(prefix="regenlab-sandbox-home-")


class LocalSandbox(Sandbox):
    """Subprocess in its own session with rlimits, a scrubbed environment and a wall clock."""

    name = "local"
    weaknesses = (
        "no network isolation",
        "no filesystem isolation: the command can read and write whatever this user can",
        "mounts are not read-only and other folders are not hidden",
        "the workspace's .git is writable by the command (the host's git calls ignore the "
        "hooks and configuration it could plant there)",
        "no size cap on /tmp (the machine's own)",
    )

    def layout(self, workspace: Path, mounts: Sequence[Mount] = ()) -> Layout:
        return Layout(str(workspace), {m.name: str(m.source) for m in mounts}, sys.executable)

    def _argv(self, request: RunRequest) -> list[str]:
        limits = json.dumps(rlimits(request.limits))
        return [sys.executable, "-I", "-c", _LAUNCHER, limits, *request.command]

    def _home(self, layout: Layout) -> str:
        return _home()

    def _cwd(self, workspace: Path) -> Path | None:
        return workspace

    def _run_weaknesses(self) -> list[str]:
        found = []
        if cgroup_support() is None:
            found.append("a process that leaves its process group survives the timeout")
            if os.geteuid() == 0:
                found.append("process-count limit not enforced: the kernel exempts root")
        return found
