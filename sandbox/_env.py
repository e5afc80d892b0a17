"""The environment a sandboxed command sees: built from scratch, never inherited."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

SECRET_NAME = re.compile(
    r"SECRET|TOKEN|PASSW|APIKEY|CREDENTIAL|PRIVATE|(^|_)(KEY|AUTH|COOKIE|SESSION)(_|$)",
    re.IGNORECASE,
)
"""Names that look like secrets are refused even when a caller passes them explicitly."""

BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


class SandboxEnv(NamedTuple):
    """The environment to run with, and the names that were refused."""

    env: dict[str, str]
    dropped: list[str]


def build_env(
    extra: Mapping[str, str] | None, *, home: str, path_prefix: str | None = None
) -> SandboxEnv:
    """A minimal environment plus the caller's `extra` variables, minus anything secret-looking."""
    env = {
        "PATH": f"{path_prefix}:{BASE_PATH}" if path_prefix else BASE_PATH,
        "HOME": home,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONNOUSERSITE": "1",
    }
    dropped: list[str] = []
    for name, value in (extra or {}).items():
        if SECRET_NAME.search(name):
            dropped.append(name)
        else:
            env[name] = value
    return SandboxEnv(env, sorted(dropped))
