"""A pytest launcher and plugin that streams signed per-test events as JSON lines.

Copied into each hidden-test run and started as a script, not imported:
`python -I regenlab_report.py REPORT_FILE PYTEST_ARGS...` with a one-line key on stdin. It imports
nothing of ours. Writing as it goes means a run that dies (a test calling os._exit, a kill at the
timeout) still leaves the outcome of every test that finished, and names the one that was running.

The code under test shares this process and can write to the report file, so every line is
`MAC JSON`: an HMAC-SHA256 of the JSON under the key, and the JSON holds a sequence number. Lines
written without the key do not verify and the reader drops them. The key is never in the
environment (where /proc/self/environ would keep it) nor in any file: it comes on stdin, read
before anything of the workspace is imported, and `-I` keeps the workspace (a `sitecustomize.py`,
a module that shadows ours) out of the interpreter's start-up.

Residual risk: code running inside the pytest process can still read the key from this module's
memory, or patch pytest itself, and so report whatever it likes. The signature stops forgeries
that do not go that far: lines appended from an exit hook, from a child process, or by a stub
that rewrites the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

_MESSAGE_CHARS = 1500


def sign(key: bytes, payload: str) -> str:
    """The MAC that starts each report line: HMAC-SHA256 of `payload` under `key`, in hex."""
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


class _Signer:
    """Appends events to the report file, each numbered and signed with the run's key."""

    def __init__(self, path: str, key: bytes) -> None:
        self.path = path
        self._key = key
        self._seq = 0

    def write(self, event: dict[str, Any]) -> None:
        payload = json.dumps({**event, "seq": self._seq})
        self._seq += 1
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(f"{sign(self._key, payload)} {payload}\n")


_signer: _Signer | None = None


def _write(event: dict[str, Any]) -> None:
    if _signer is not None:
        _signer.write(event)


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or report.longreprtext
    return str(text)[-_MESSAGE_CHARS:]


def collect_message(text: str) -> str:
    """A collection error's text, led by one line that says why (the exception, and where)."""
    cause = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    headline = cause[-1] if cause else (lines[0] if lines else "collection failed")
    if len(cause) > 1 and cause[0].startswith("File "):
        headline += f" ({cause[0]})"  # a SyntaxError: the file and line it is in
    return f"{headline}\n\n{text[-_MESSAGE_CHARS:]}"


def pytest_collection_finish(session: pytest.Session) -> None:
    _write({"event": "collected", "nodeids": [item.nodeid for item in session.items]})


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        message = collect_message(report.longreprtext)
        _write({"event": "collect_error", "nodeid": report.nodeid, "message": message})


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


def main(argv: list[str]) -> int:
    """Read the key from stdin, then run pytest on `argv[1:]`, reporting to the file `argv[0]`."""
    global _signer
    _signer = _Signer(argv[0], sys.stdin.buffer.readline().strip())
    sys.dont_write_bytecode = True  # -I ignored PYTHONDONTWRITEBYTECODE
    import pytest

    # -I also ignored PYTHONPATH: apply it now, where `python -m pytest` would have put it.
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:0] = [os.getcwd(), *paths]
    return int(pytest.main(argv[1:], plugins=[sys.modules[__name__]]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
