"""Choosing a backend by name, with `auto` picking the strongest that works here."""

from __future__ import annotations

from sandbox import _bwrap, _docker
from sandbox._base import Sandbox
from sandbox._types import SandboxError

BACKENDS = ("auto", "bwrap", "local", "docker")


def available_backends() -> dict[str, str | None]:
    """Each backend, mapped to None when it works here or to the reason it does not."""
    return {"bwrap": _bwrap.probe(), "local": None, "docker": _docker.probe()}


def get_sandbox(backend: str = "auto") -> Sandbox:
    """The named backend; `auto` is bwrap where it works, else local (whose results say so)."""
    from sandbox._bwrap import BwrapSandbox
    from sandbox._docker import DockerSandbox
    from sandbox._local import LocalSandbox

    if backend == "auto":
        return BwrapSandbox() if _bwrap.probe() is None else LocalSandbox()
    if backend == "bwrap":
        return BwrapSandbox()
    if backend == "local":
        return LocalSandbox()
    if backend == "docker":
        return DockerSandbox()
    raise SandboxError(f"unknown sandbox backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
