"""Fixtures of the chaos lab's tests: the web world, and the browser where it can run."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from chaos import Browser, WebWorld, browser_problem


def need_browser() -> None:
    """Skip when Chromium or Playwright is missing here; in CI that is a failure, not a skip."""
    problem = browser_problem()
    if problem is not None:
        reason = f"chaos lab browser: {problem}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def world() -> Iterator[WebWorld]:
    """The shop on a free port, for the tests of one module."""
    with WebWorld() as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright, for the tests of one module."""
    need_browser()
    with Browser() as running:
        yield running
