"""The only place generated code runs (DESIGN §5). A leaf: it imports nothing else of ours.

`get_sandbox("auto")` gives the strongest backend available here (`bwrap`, else `local`);
`sandbox.run(command, workspace, limits=..., mounts=..., env=...)` returns a `RunResult`.
"""

from __future__ import annotations

from sandbox._base import Sandbox
from sandbox._bwrap import BwrapSandbox
from sandbox._docker import DockerSandbox
from sandbox._local import LocalSandbox
from sandbox._select import BACKENDS, available_backends, get_sandbox
from sandbox._types import Layout, Limits, Mount, RunResult, SandboxError

__all__ = [
    "BACKENDS",
    "BwrapSandbox",
    "DockerSandbox",
    "Layout",
    "Limits",
    "LocalSandbox",
    "Mount",
    "RunResult",
    "Sandbox",
    "SandboxError",
    "available_backends",
    "get_sandbox",
]
