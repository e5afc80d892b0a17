"""A pytest plugin that streams per-test events as JSON lines while the tests run.

Copied into each hidden-test run and loaded with `-p regenlab_report`; it imports nothing of
ours. Writing as it goes means a run that dies (a test calling os._exit, a kill at the timeout)
still leaves the outcome of every test that finished, and names the one that was running.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

_PATH = os.environ.get("REGENLAB_REPORT", "regenlab-report.jsonl")
_MESSAGE_CHARS = 1500


def _write(event: dict[str, Any]) -> None:
    with open(_PATH, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(event) + "\n")


def _message(report: pytest.CollectReport | pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or report.longreprtext
    return str(text)[-_MESSAGE_CHARS:]


def pytest_collection_finish(session: pytest.Session) -> None:
    _write({"event": "collected", "nodeids": [item.nodeid for item in session.items]})


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _write({"event": "collect_error", "nodeid": report.nodeid, "message": _message(report)})


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    _write({"event": "start", "nodeid": nodeid})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    event = {
        "event": "report",
        "nodeid": report.nodeid,
        "when": report.when,
        "outcome": report.outcome,
        "duration": report.duration,
        "message": _message(report) if report.outcome != "passed" else "",
    }
    _write(event)


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    _write({"event": "finish", "nodeid": nodeid})


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _write({"event": "session_finish", "exitstatus": int(exitstatus)})
