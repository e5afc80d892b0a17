"""Typed data of the sandbox boundary: limits, mounts, layout and run results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from usererrors import RegenlabError


class SandboxError(RegenlabError):
    """A sandbox that cannot run here (missing tool, refused namespace) or a bad request."""


FALLBACK_PROCESSES = 16
"""Processes of a run where no cgroup can sum their memory (see `Limits.per_process`)."""


class Limits(BaseModel):
    """Resource limits for one run."""

    model_config = ConfigDict(frozen=True)

    timeout_s: float = Field(default=60.0, gt=0)
    """Wall-clock limit; at the limit the whole process tree is killed."""
    cpu_s: int | None = Field(default=None, gt=0)
    """CPU-seconds limit (RLIMIT_CPU); None means twice the timeout, rounded up."""
    memory_mb: int = Field(default=2048, gt=0)
    """Address-space limit per process, in MiB (RLIMIT_AS)."""
    total_memory_mb: int = Field(default=8192, gt=0)
    """Memory of all the run's processes together, in MiB (a cgroup; see `per_process`)."""
    file_size_mb: int = Field(default=256, gt=0)
    """Largest file a process may write, in MiB (RLIMIT_FSIZE)."""
    workspace_mb: int = Field(default=1024, gt=0)
    """Largest the workspace may grow to, in MiB: the run is killed past it."""
    tmp_mb: int = Field(default=512, gt=0)
    """Size of the run's private /tmp, in MiB (isolating backends)."""
    processes: int = Field(default=256, gt=0)
    """Processes and threads at once (a cgroup, and RLIMIT_NPROC per user; bwrap makes each run
    one user)."""
    open_files: int = Field(default=512, gt=0)
    """Open file descriptors per process (RLIMIT_NOFILE)."""
    output_bytes: int = Field(default=1_000_000, gt=0)
    """Bytes kept of stdout and of stderr each; the rest is read and dropped, never blocking."""

    @property
    def cpu_seconds(self) -> int:
        """The effective CPU-seconds limit."""
        return self.cpu_s if self.cpu_s is not None else int(2 * self.timeout_s) + 1

    def per_process(self, summed: bool) -> Limits:
        """The rlimits to set: as given under a cgroup (`summed`), else sized to fit the totals.

        Without a cgroup nothing sums what the processes use, so the process count is cut to
        FALLBACK_PROCESSES and each process's memory to its share: processes x memory stays
        within `total_memory_mb`.
        """
        if summed:
            return self
        processes = min(self.processes, FALLBACK_PROCESSES)
        memory = max(1, min(self.memory_mb, self.total_memory_mb // processes))
        return self.model_copy(update={"processes": processes, "memory_mb": memory})


class Mount(NamedTuple):
    """An extra folder made visible to a run under a name."""

    name: str
    """Short name; inside isolating backends the folder appears at /mnt/<name>."""
    source: Path
    """The folder on this machine."""
    writable: bool = False
    """Whether the run may write to it (read-only otherwise)."""


class RunRequest(NamedTuple):
    """Everything a backend needs to build its command line for one run."""

    command: Sequence[str]
    workspace: Path
    mounts: Sequence[Mount]
    limits: Limits
    env: dict[str, str]
    uid: int | None = None
    """The user the command runs as (its group too); None: the caller's own."""


class Layout(NamedTuple):
    """Where the workspace and the mounts are, as seen by the command inside the sandbox."""

    workspace: str
    mounts: dict[str, str]
    python: str
    """A Python interpreter (with this project's test tools) usable inside the sandbox."""


class RunResult(BaseModel):
    """What one sandboxed command did."""

    command: list[str]
    """The command, as given (before the backend's wrapping)."""
    backend: str
    """Which backend ran it."""
    exit_code: int | None
    """Exit status; None when the process was killed by a signal."""
    signal: int | None = None
    """The signal that killed the process, if any."""
    timed_out: bool = False
    """Whether the wall-clock limit was reached (the process tree was then killed)."""
    workspace_exceeded: bool = False
    """Whether the workspace grew past `workspace_mb` (the process tree was then killed)."""
    memory_exceeded: bool = False
    """Whether the kernel killed a process of the run for going over `total_memory_mb`."""
    duration_s: float
    """Wall-clock seconds."""
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    dropped_env: list[str] = Field(default_factory=list)
    """Names of environment variables refused because they look like secrets."""
    weaknesses: list[str] = Field(default_factory=list)
    """Guarantees of DESIGN §5 that this backend did not give for this run."""

    @property
    def ok(self) -> bool:
        """Exited with status 0 in time, within its limits."""
        return self.exit_code == 0 and not (self.timed_out or self.workspace_exceeded)
