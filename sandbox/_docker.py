"""The `docker` backend, for users who have a Docker engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from sandbox._base import Sandbox, _kill_group
from sandbox._owner import SANDBOX_UID
from sandbox._types import Layout, Limits, Mount, RunRequest, SandboxError

DEFAULT_IMAGE = "python:3.11-slim"
WORKSPACE = "/workspace"


def docker_argv(
    command: Sequence[str],
    workspace: Path,
    mounts: Sequence[Mount],
    limits: Limits,
    env: dict[str, str],
    *,
    image: str,
    name: str,
    docker: str = "docker",
) -> list[str]:
    """`docker run` with no network, no capabilities, a read-only root and the limits."""
    mib = 1024 * 1024
    argv = [docker, "run", "--rm", "--init", "--name", name, "--network", "none"]
    argv += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only"]
    argv += ["--tmpfs", f"/tmp:rw,exec,size={limits.tmp_mb}m"]
    argv += ["--user", f"{SANDBOX_UID}:{SANDBOX_UID}"]
    # No per-process address-space limit in Docker: the container's total gets the smaller one.
    memory = min(limits.memory_mb, limits.total_memory_mb)
    argv += [f"--memory={memory}m", f"--memory-swap={memory}m"]
    argv += [f"--pids-limit={limits.processes}"]
    argv += ["--ulimit", f"cpu={limits.cpu_seconds}:{limits.cpu_seconds}"]
    argv += ["--ulimit", f"fsize={limits.file_size_mb * mib}:{limits.file_size_mb * mib}"]
    argv += ["--ulimit", f"nofile={limits.open_files}:{limits.open_files}"]
    argv += ["-v", f"{workspace}:{WORKSPACE}:rw", "--workdir", WORKSPACE]
    if (workspace / ".git").is_dir():  # hidden: the host runs git on it afterwards
        argv += ["--tmpfs", f"{WORKSPACE}/.git:ro,size=4k,mode=0555"]
    for mount in mounts:
        mode = "rw" if mount.writable else "ro"
        argv += ["-v", f"{mount.source}:/mnt/{mount.name}:{mode}"]
    for key, value in env.items():
        if key != "PATH":  # the image knows its own PATH
            argv += ["-e", f"{key}={value}"]
    return [*argv, image, *command]


@cache
def probe(docker: str = "docker") -> str | None:
    """None if a Docker engine answers, else the reason it does not."""
    if shutil.which(docker) is None:
        return "docker is not installed"
    try:
        done = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"no Docker engine answers: {exc}"
    return None if done.returncode == 0 else "no Docker engine answers (docker info failed)"


class DockerSandbox(Sandbox):
    """A throw-away container per run; the image must hold Python (and pytest for hidden tests)."""

    name = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE, docker: str = "docker") -> None:
        reason = probe(docker)
        if reason is not None:
            raise SandboxError(reason)
        self.image = image
        self.docker = docker

    def layout(self, workspace: Path, mounts: Sequence[Mount] = ()) -> Layout:
        return Layout(WORKSPACE, {m.name: f"/mnt/{m.name}" for m in mounts}, "python")

    runs_as_sandbox_user = True
    uses_cgroup = False  # the container's own cgroup sums memory and processes

    def _argv(self, request: RunRequest) -> list[str]:
        command, workspace, mounts, limits, env, _ = request  # the container is SANDBOX_UID
        name = f"regenlab-{uuid.uuid4().hex[:12]}"
        return docker_argv(
            command, workspace, mounts, limits, env, image=self.image, name=name, docker=self.docker
        )

    def _process_env(self, env: dict[str, str]) -> dict[str, str]:
        # The docker CLI needs its own settings (DOCKER_HOST, ...); the container gets `env` by -e.
        return dict(os.environ)

    def _kill(self, process: subprocess.Popen[bytes]) -> None:
        args = list(process.args) if isinstance(process.args, list | tuple) else []
        name = str(args[args.index("--name") + 1]) if "--name" in args else None
        if name:
            subprocess.run([self.docker, "kill", name], capture_output=True, timeout=30)
        _kill_group(process)
