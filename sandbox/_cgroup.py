"""Summed limits for one run: a cgroup of its own, with a memory and a process budget.

rlimits count per process (memory) or per user (processes), so many processes can together use
far more than any one limit says. Where this machine lets us make cgroups (v2 with the memory and
pids controllers delegated to our group, or v1 with both hierarchies writable), each run gets
its own group: the kernel then caps what all of its processes use together, kills what is left
of the run when it ends (even a process that left its process group), and counts OOM kills.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_EMPTY_WAIT_S = 5.0


@dataclass(frozen=True)
class CgroupSupport:
    """Where this process may create child cgroups for its runs."""

    version: int
    """1 or 2."""
    memory: Path
    """The folder under which a run's memory group is made (v2: the one group)."""
    pids: Path
    """The folder under which a run's pids group is made (v2: the same as memory)."""


@dataclass(frozen=True)
class RunGroup:
    """The cgroup(s) of one run."""

    folders: tuple[Path, ...]
    """The run's group folders (v1: memory and pids; v2: one)."""
    version: int

    @property
    def procs_files(self) -> list[Path]:
        """The files a process writes its pid to, to join the group."""
        return [folder / "cgroup.procs" for folder in self.folders]

    def oom_kills(self) -> int:
        """How many processes of the run the kernel killed for going over the memory budget."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            text = (self.folders[0] / name).read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per hierarchy ('' is the v2 one)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _usable(folder: Path) -> bool:
    """Whether a child group can be made (and removed) under `folder`."""
    probe = folder / f"regenlab-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError:
        return False
    return True


@cache
def cgroup_support() -> CgroupSupport | None:
    """How runs get their own cgroups here, or None where they cannot."""
    try:
        paths = _own_paths()
    except (OSError, ValueError):
        return None
    v1_memory = ROOT / "memory" / paths.get("memory", "/").lstrip("/")
    v1_pids = ROOT / "pids" / paths.get("pids", "/").lstrip("/")
    # (A root group has no pids.max of its own, but its children do.)
    if (v1_memory / "memory.limit_in_bytes").exists() and (v1_pids / "cgroup.procs").exists():
        if _usable(v1_memory) and _usable(v1_pids):
            return CgroupSupport(1, v1_memory, v1_pids)
    unified = ROOT / paths.get("", "/").lstrip("/")
    try:
        delegated = (unified / "cgroup.subtree_control").read_text().split()
    except OSError:
        return None
    if {"memory", "pids"} <= set(delegated) and _usable(unified):
        return CgroupSupport(2, unified, unified)
    return None


@contextmanager
def run_group(memory_bytes: int, processes: int) -> Iterator[RunGroup | None]:
    """A cgroup for one run with the two budgets; None where cgroups cannot be made here.

    When the block ends, every process still in the group is killed and the group removed.
    """
    support = cgroup_support()
    if support is None:
        yield None
        return
    name = f"regenlab-run-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    folders = (
        (support.memory / name,)
        if support.version == 2
        else (
            support.memory / name,
            support.pids / name,
        )
    )
    group = RunGroup(folders, support.version)
    try:
        for folder in folders:
            folder.mkdir()
        _set_limits(group, memory_bytes, processes)
        yield group
    finally:
        _kill_and_remove(group)


def _set_limits(group: RunGroup, memory_bytes: int, processes: int) -> None:
    if group.version == 2:
        folder = group.folders[0]
        (folder / "memory.max").write_text(str(memory_bytes))
        swap = folder / "memory.swap.max"
        if swap.exists():
            swap.write_text("0")
        (folder / "pids.max").write_text(str(processes))
        return
    memory, pids = group.folders
    (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
    swap = memory / "memory.memsw.limit_in_bytes"
    if swap.exists():  # with swap accounting on, swap counts toward the same budget
        swap.write_text(str(memory_bytes))
    (pids / "pids.max").write_text(str(processes))


def _kill_and_remove(group: RunGroup) -> None:
    deadline = time.monotonic() + _EMPTY_WAIT_S
    for folder in group.folders:
        while folder.exists():
            for pid in _pids(folder):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                folder.rmdir()
            except OSError:
                if time.monotonic() > deadline:
                    break  # a process the kernel has not reaped yet: leave the empty-ish group
                time.sleep(0.02)


def _pids(folder: Path) -> list[int]:
    try:
        return [int(line) for line in (folder / "cgroup.procs").read_text().split()]
    except OSError:
        return []


JOIN_SCRIPT = (
    'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; kill -STOP $$; '
    'exec "$@"'
)
"""/bin/sh script: write its own pid to each file up to `--`, stop until continued (SIGCONT),
then become the command after `--`.

Moving a process into a cgroup waits on the kernel (10-15 ms here, idle, not CPU): the stop lets
the caller start the command's clock, and give it a CPU slot, only once that wait is over."""


def joined(argv: list[str], group: RunGroup | None) -> list[str]:
    """`argv`, started inside `group` and stopped there until continued (as is, without one)."""
    if group is None:
        return argv
    files = [str(path) for path in group.procs_files]
    return ["/bin/sh", "-c", JOIN_SCRIPT, "sh", *files, "--", *argv]
