from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox import LocalSandbox, Sandbox, available_backends, get_sandbox

BWRAP_PROBLEM = available_backends()["bwrap"]


def _bwrap() -> Sandbox:
    if BWRAP_PROBLEM is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the bwrap backend: {BWRAP_PROBLEM}")
        pytest.skip(BWRAP_PROBLEM)
    return get_sandbox("bwrap")


@pytest.fixture
def bwrap() -> Sandbox:
    """The bubblewrap backend (required in CI, skipped elsewhere when missing)."""
    return _bwrap()


@pytest.fixture(params=["bwrap", "local"])
def backend(request: pytest.FixtureRequest) -> Sandbox:
    """Each backend that runs here, for the guarantees every backend gives."""
    return _bwrap() if request.param == "bwrap" else LocalSandbox()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path
