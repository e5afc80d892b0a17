"""The `bwrap` backend: bubblewrap namespaces (pid, net, ipc, uts, and user or a dropped uid).

The kernel counts processes per user (RLIMIT_NPROC), so runs at once must not be the same user.
A caller that is not root gets a user namespace per run, and Linux (5.14 on) counts each
namespace apart. A root caller has no user namespace to fall back on: each run drops to a uid
leased from a pool for that run alone (see `_owner`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from sandbox._base import Sandbox, python_prefixes
from sandbox._owner import SANDBOX_UID, leased_uid, user_database
from sandbox._types import Layout, Limits, Mount, RunRequest, RunResult, SandboxError

WORKSPACE = "/workspace"
INSTALL_HINT = "apt-get install bubblewrap"

# Only what programs need from /etc: never shadow, ssh keys or credentials.
_ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
)
_TOP_LEVEL_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64")


@dataclass(frozen=True)
class HostFacts:
    """What the bwrap command line depends on, read off this machine once."""

    is_root: bool
    python_prefixes: tuple[Path, ...]
    top_level: tuple[tuple[str, str | None], ...]
    """(path, symlink target or None for a real folder) for /bin, /lib and the like."""
    etc_files: tuple[str, ...]
    user_db: Path | None = None
    """For a root caller: a folder with passwd and group files that name the pooled uids."""


@cache
def host_facts() -> HostFacts:
    """The facts of this machine."""
    top = tuple(
        (path, os.readlink(path) if os.path.islink(path) else None)
        for path in _TOP_LEVEL_LINKS
        if os.path.lexists(path)
    )
    return HostFacts(
        is_root=os.geteuid() == 0,
        python_prefixes=tuple(python_prefixes()),
        top_level=top,
        etc_files=tuple(p for p in _ETC_FILES if os.path.exists(p)),
        user_db=user_database() if os.geteuid() == 0 else None,
    )


def _ancestors(paths: Sequence[Path], covered: Sequence[str]) -> list[str]:
    """Folders to create (world-readable) above each bind target, outside already-bound trees."""
    wanted: set[str] = set()
    for path in paths:
        for parent in PurePosixPath(path).parents:
            text = str(parent)
            if text in ("/", "/tmp") or any(text == c or text.startswith(f"{c}/") for c in covered):
                continue
            wanted.add(text)
    return sorted(wanted, key=lambda p: (p.count("/"), p))


def limit_args(limits: Limits) -> list[str]:
    """prlimit options for the limits (set inside the namespaces, so they count only there)."""
    mib = 1024 * 1024
    pairs = {
        "as": limits.memory_mb * mib,
        "cpu": limits.cpu_seconds,
        "fsize": limits.file_size_mb * mib,
        "nproc": limits.processes,
        "nofile": limits.open_files,
        "core": 0,
    }
    return ["prlimit", *(f"--{name}={value}:{value}" for name, value in pairs.items()), "--"]


def bwrap_argv(
    command: Sequence[str],
    workspace: Path | None,
    mounts: Sequence[Mount],
    limits: Limits,
    facts: HostFacts,
    bwrap: str = "bwrap",
    uid: int = SANDBOX_UID,
) -> list[str]:
    """The full bwrap command line: a read-only system, the workspace, the mounts, limits.

    A root caller's command runs as `uid` (and group `uid`), with no capabilities. The workspace's
    .git, if any, is hidden behind an empty read-only folder; /tmp is a tmpfs of `tmp_mb`.
    """
    argv = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    argv += ["--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if not facts.is_root:
        argv.append("--unshare-user")
    argv += ["--ro-bind", "/usr", "/usr"]
    for path, target in facts.top_level:
        argv += ["--symlink", target, path] if target else ["--ro-bind", path, path]
    # Made explicitly: bwrap would make /etc searchable by root alone, hiding the files below.
    argv += ["--perms", "0755", "--dir", "/etc"]
    for path in facts.etc_files:
        argv += ["--ro-bind", _etc_source(path, facts), path]
    # /tmp first: a Python that lives under /tmp (a virtualenv there) is then bound on top of it.
    tmp_bytes = str(limits.tmp_mb * 1024 * 1024)
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--perms", "1777", "--size", tmp_bytes, "--tmpfs", "/tmp"]
    prefixes = [p for p in facts.python_prefixes if not str(p).startswith("/usr/")]
    for folder in _ancestors(prefixes, covered=["/usr", "/etc"]):
        argv += ["--perms", "0755", "--dir", folder]
    for prefix in prefixes:
        argv += ["--ro-bind", str(prefix), str(prefix)]
    if workspace is not None:
        argv += ["--bind", str(workspace), WORKSPACE, "--chdir", WORKSPACE]
        if (workspace / ".git").is_dir():
            # The command sees an empty, read-only .git: the host's history, hooks and config
            # are out of its reach (the host runs git on that folder afterwards).
            git = f"{WORKSPACE}/.git"
            argv += ["--perms", "0555", "--size", "4096", "--tmpfs", git, "--remount-ro", git]
    if mounts:
        argv += ["--perms", "0755", "--dir", "/mnt"]
    for mount in mounts:
        bind = "--bind" if mount.writable else "--ro-bind"
        argv += [bind, str(mount.source), f"/mnt/{mount.name}"]
    argv.append("--")
    if facts.is_root:
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        argv += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return argv + limit_args(limits) + list(command)


def _etc_source(path: str, facts: HostFacts) -> str:
    if facts.user_db is not None and path in ("/etc/passwd", "/etc/group"):
        return str(facts.user_db / Path(path).name)
    return path


@cache
def probe(bwrap: str = "bwrap") -> str | None:
    """None if bwrap works here, else the reason it does not."""
    if shutil.which(bwrap) is None:
        return f"bwrap is not installed: {INSTALL_HINT}"
    argv = bwrap_argv(["true"], None, [], Limits(), host_facts(), bwrap)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap does not run here: {exc}"
    if done.returncode != 0:
        return f"bwrap does not run here: {done.stderr.strip() or done.returncode}"
    return None


class BwrapSandbox(Sandbox):
    """bubblewrap: only the workspace is writable, no network, limits, a private PID space."""

    name = "bwrap"

    def __init__(self, bwrap: str = "bwrap") -> None:
        reason = probe(bwrap)
        if reason is not None:
            raise SandboxError(reason)
        self.bwrap = bwrap

    def layout(self, workspace: Path, mounts: Sequence[Mount] = ()) -> Layout:
        return Layout(WORKSPACE, {m.name: f"/mnt/{m.name}" for m in mounts}, sys.executable)

    @contextmanager
    def _run_as(self) -> Iterator[int | None]:
        if not host_facts().is_root:
            yield None
            return
        with leased_uid() as uid:
            yield uid

    def _argv(self, request: RunRequest) -> list[str]:
        command, workspace, mounts, limits, _, uid = request
        run_as = SANDBOX_UID if uid is None else uid
        return bwrap_argv(command, workspace, mounts, limits, host_facts(), self.bwrap, run_as)

    def _normalized(self, result: RunResult) -> RunResult:
        # bwrap exits with 128 + N when the command was killed by signal N.
        code = result.exit_code
        if code is not None and 128 < code < 128 + 65:
            return result.model_copy(update={"exit_code": None, "signal": code - 128})
        return result
