"""The one sandbox interface, and the process handling that every backend shares."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sandbox._capture import CappedReader
from sandbox._cgroup import RunGroup, joined, run_group
from sandbox._env import build_env
from sandbox._owner import SANDBOX_UID, lent_to_sandbox_user
from sandbox._types import Layout, Limits, Mount, RunRequest, RunResult, SandboxError

# Sandboxed work is CPU-bound: more runs at once than cores only makes each slower.
_CPU_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)


class Sandbox(ABC):
    """Runs untrusted commands in a workspace under limits (DESIGN §5)."""

    name: str = ""
    """Backend name, recorded in every result."""
    weaknesses: tuple[str, ...] = ()
    """Guarantees this backend does not give; copied into every result."""

    @abstractmethod
    def layout(self, workspace: Path, mounts: Sequence[Mount] = ()) -> Layout:
        """Paths of the workspace, the mounts and Python as the command will see them."""

    runs_as_sandbox_user: bool = False
    """Whether a root caller's command runs as `nobody`, who is lent the writable folders."""

    @abstractmethod
    def _argv(self, request: RunRequest) -> list[str]:
        """The full argv that runs the request's command inside this backend."""

    def run(
        self,
        command: Sequence[str],
        workspace: Path,
        *,
        limits: Limits | None = None,
        mounts: Sequence[Mount] = (),
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> RunResult:
        """Run `command` with `workspace` as its only writable folder (plus writable mounts)."""
        limits = limits or Limits()
        workspace = _checked_workspace(workspace)
        _check_mounts(mounts)
        layout = self.layout(workspace, mounts)
        built = build_env(env, home=self._home(layout), path_prefix=str(Path(layout.python).parent))
        with self._run_as() as uid, self._group(limits) as group:
            summed = group is not None or not self.uses_cgroup
            effective = limits.per_process(summed)
            argv = self._argv(RunRequest(command, workspace, mounts, effective, built.env, uid))
            with _lent(workspace, mounts, uid):
                result = _execute(
                    argv,
                    group,
                    self._process_env(built.env),
                    self._cwd(workspace),
                    limits,
                    stdin,
                    self._kill,
                    workspace,
                )
            oom = group.oom_kills() > 0 if group is not None else False
        weaknesses = list(self.weaknesses) + self._run_weaknesses()
        if not summed:
            weaknesses.append(
                f"no cgroup here: memory is limited per process ({effective.processes} processes "
                f"of at most {effective.memory_mb} MiB each), not summed"
            )
        return self._normalized(result).model_copy(
            update={
                "command": list(command),
                "backend": self.name,
                "dropped_env": built.dropped,
                "weaknesses": weaknesses,
                "memory_exceeded": oom,
            }
        )

    uses_cgroup: bool = True
    """Whether runs get a cgroup of ours (a backend with its own, like Docker, says False)."""

    def _group(self, limits: Limits) -> AbstractContextManager[RunGroup | None]:
        if not self.uses_cgroup:
            return nullcontext(None)
        return run_group(limits.total_memory_mb * 1024 * 1024, limits.processes)

    def _home(self, layout: Layout) -> str:
        return "/tmp"

    def _process_env(self, env: dict[str, str]) -> dict[str, str]:
        """The environment of the process we start (the command's own, unless a CLI wraps it)."""
        return env

    def _cwd(self, workspace: Path) -> Path | None:
        return None

    @contextmanager
    def _run_as(self) -> Iterator[int | None]:
        """The uid a run's command runs as, held for the run; None for the caller's own."""
        yield SANDBOX_UID if self.runs_as_sandbox_user and os.geteuid() == 0 else None

    def _run_weaknesses(self) -> list[str]:
        return []

    def _normalized(self, result: RunResult) -> RunResult:
        """The result as the command itself ended (undoing a wrapper's own exit conventions)."""
        return result

    def _kill(self, process: subprocess.Popen[bytes]) -> None:
        """Kill the whole process tree of a run that is over its time."""
        _kill_group(process)


@contextmanager
def _lent(workspace: Path, mounts: Sequence[Mount], uid: int | None) -> Iterator[None]:
    """Lend the writable folders to the user the command runs as, if not the caller."""
    if uid is None:
        yield
        return
    with lent_to_sandbox_user([workspace, *(Path(m.source) for m in mounts if m.writable)], uid):
        yield


def _checked_workspace(workspace: Path) -> Path:
    workspace = Path(workspace).resolve()
    if not workspace.is_dir():
        raise SandboxError(f"workspace {workspace} is not a folder; create it before running")
    return workspace


def _check_mounts(mounts: Sequence[Mount]) -> None:
    names = [m.name for m in mounts]
    for mount in mounts:
        if not mount.name.isidentifier():
            raise SandboxError(f"mount name {mount.name!r}: use an identifier, e.g. hidden_tests")
        if not Path(mount.source).exists():
            raise SandboxError(f"mount {mount.name}: {mount.source} does not exist")
    if len(set(names)) != len(names):
        raise SandboxError(f"mount names must be unique: {names}")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _execute(
    argv: list[str],
    group: RunGroup | None,
    env: dict[str, str],
    cwd: Path | None,
    limits: Limits,
    stdin: str | None,
    kill: Callable[[subprocess.Popen[bytes]], None],
    workspace: Path,
) -> RunResult:
    """Start `argv` in its own session, enforce the wall clock and the workspace's size,
    collect capped output.

    With a `group`, the command joins it and stops itself there (cgroup.JOIN_SCRIPT) until
    continued here. The run holds a CPU slot only while its command runs: joining the cgroup,
    leasing a uid, lending the folders and tearing the cgroup down use no core, and another run
    may have it meanwhile.
    """
    launched = joined(argv, group)
    try:
        process = subprocess.Popen(
            launched,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        raise SandboxError(f"cannot start {launched[0]}: {exc}") from exc
    if group is not None:  # until it has stopped itself, or died trying; WNOWAIT leaves the
        # exit for Popen to collect.
        os.waitid(os.P_PID, process.pid, os.WSTOPPED | os.WEXITED | os.WNOWAIT)
    with _CPU_SLOTS:
        if group is not None:
            os.kill(process.pid, signal.SIGCONT)
        return _supervise(launched, process, limits, stdin, kill, workspace)


def _supervise(
    argv: list[str],
    process: subprocess.Popen[bytes],
    limits: Limits,
    stdin: str | None,
    kill: Callable[[subprocess.Popen[bytes]], None],
    workspace: Path,
) -> RunResult:
    """Enforce the wall clock and the workspace's size on a started run; collect its output."""
    started = time.monotonic()
    assert process.stdout is not None and process.stderr is not None
    out = CappedReader(process.stdout, limits.output_bytes)
    err = CappedReader(process.stderr, limits.output_bytes)
    if stdin is not None:
        threading.Thread(target=_feed, args=(process, stdin), daemon=True).start()
    watcher = _SizeWatcher(workspace, limits.workspace_mb * 1024 * 1024, lambda: kill(process))
    try:
        timed_out = not _exited_within(process, limits.timeout_s)
        if timed_out:
            kill(process)
        process.wait()
    finally:
        watcher.stop()
    # A descendant that escaped the kill could hold the pipes open: never wait on it for long.
    out.join(timeout=2.0)
    err.join(timeout=2.0)
    code = process.returncode
    return RunResult(
        command=argv,
        backend="",
        exit_code=code if code >= 0 else None,
        signal=-code if code < 0 else None,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        stdout=out.text(),
        stderr=err.text(),
        stdout_truncated=out.truncated,
        stderr_truncated=err.truncated,
        workspace_exceeded=watcher.exceeded,
    )


def _exited_within(process: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Whether `process` exits within `timeout_s`, known the moment it exits.

    Popen.wait with a timeout polls, sleeping up to 50 ms between looks: ~25 ms of an idle CPU
    slot after every sandboxed command. A pidfd (Linux 5.3+) becomes readable at the exit itself.
    """
    try:
        pidfd = os.pidfd_open(process.pid)
    except OSError:  # an older kernel, or a process already reaped
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        readable, _, _ = select.select([pidfd], [], [], timeout_s)
    finally:
        os.close(pidfd)
    return bool(readable)


class _SizeWatcher:
    """Polls a folder's size while a run goes on and calls `over` once it passes `cap` bytes.

    Polling bounds the workspace at `cap` plus what a run writes between two polls; a folder
    with more than MAX_ENTRIES entries counts as over (it would make every poll slow).
    """

    INTERVAL_S = 0.2
    MAX_ENTRIES = 100_000

    def __init__(self, folder: Path, cap: int, over: Callable[[], None]) -> None:
        self.folder, self.cap, self.over = folder, cap, over
        self.exceeded = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.INTERVAL_S):
            if _tree_bytes(self.folder, self.cap, self.MAX_ENTRIES) > self.cap:
                self.exceeded = True
                self.over()
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        # A last look: a run that wrote past the cap and exited between polls still counts.
        if not self.exceeded and _tree_bytes(self.folder, self.cap, self.MAX_ENTRIES) > self.cap:
            self.exceeded = True


def _tree_bytes(folder: Path, cap: int, max_entries: int) -> int:
    """Bytes allocated under `folder` (not following symlinks); more than `cap` once past it."""
    total, seen = 0, 0
    stack = [str(folder)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            if total > cap or seen > max_entries:
                return cap + 1
    return total


def _feed(process: subprocess.Popen[bytes], text: str) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode())
        process.stdin.close()
    except BrokenPipeError:
        pass


def python_prefixes() -> list[Path]:
    """Folders that hold the running Python and its packages (a virtualenv and its base)."""
    prefixes = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    return sorted(prefixes)
