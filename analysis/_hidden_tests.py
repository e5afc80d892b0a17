"""Running a task's hidden tests against any folder, in the sandbox, with per-test outcomes.

Pass rate (DESIGN §6) is passed ÷ total: a test that errors, is skipped, times out or never ran
counts as not passed. A test that kills its own process is marked as an error and the tests
after it run in a fresh process; a run that reaches its timeout marks the running test
`timeout` and the rest `not_run`.

What counts is only what the reporting plugin signed (see `_pytest_report`): each run gets a fresh
key, and a report line that does not verify, repeats an earlier one or comes after the session
ended is dropped. The first report of each test phase stands. This stops code under test from
forging a pass by writing to the report file; it cannot stop code that patches pytest itself or
reads the key out of the pytest process it shares, which is the residual risk of running tests
in the same process as the code they test.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from analysis._pytest_report import sign
from analysis._testcount import count_tests
from sandbox import Limits, Mount, Sandbox, get_sandbox

Outcome = Literal["passed", "failed", "error", "skipped", "timeout", "not_run"]
OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "error", "skipped", "timeout", "not_run")
PLUGIN_NAME = "regenlab_report"
PYTEST_FAILED = "(pytest)"
_HANG_HINT = "does the code or a test module hang when imported?"
_IGNORED = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".pytest_cache")


def _copy_ignore(folder: str, names: list[str]) -> set[str]:
    """What copytree leaves out: caches, .git, and FIFOs, sockets and devices (a FIFO would
    block the copy, and none of them is code)."""
    skipped = set(_IGNORED(folder, names))
    for name in names:
        mode = os.lstat(os.path.join(folder, name)).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
            skipped.add(name)
    return skipped


class TestOutcome(BaseModel):
    """The outcome of one hidden test."""

    __test__ = False  # not a pytest test class

    nodeid: str
    """pytest node id, relative to the hidden-tests folder."""
    outcome: Outcome
    """passed, failed, error, skipped, timeout or not_run."""
    duration_s: float = 0.0
    """Seconds spent in the test's setup, call and teardown."""
    message: str = ""
    """Why it did not pass (the assertion or exception, truncated)."""


class HiddenTestRun(BaseModel):
    """The hidden tests of one codebase: every test's outcome and the pass rate."""

    outcomes: list[TestOutcome]
    """One entry per hidden test, in collection order."""
    backend: str
    """Sandbox backend that ran the tests."""
    weaknesses: list[str] = Field(default_factory=list)
    """Sandbox guarantees not given for this run (empty for bwrap)."""
    duration_s: float = 0.0
    """Wall-clock seconds for the whole run, restarts included."""
    timed_out: bool = False
    """Whether the run reached its timeout."""
    restarts: int = 0
    """Times the test process died and the remaining tests were run in a new one."""
    collection_errors: dict[str, str] = Field(default_factory=dict)
    """Test files that failed to import or collect, with the error."""
    output_tail: str = ""
    """The end of pytest's output, for a reviewer."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        """Number of hidden tests."""
        return len(self.outcomes)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> int:
        """Number of tests that passed."""
        return sum(1 for o in self.outcomes if o.outcome == "passed")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pass_rate(self) -> float:
        """passed ÷ total (0 when there are no tests)."""
        return self.passed / self.total if self.total else 0.0

    def counts(self) -> dict[str, int]:
        """Number of tests per outcome."""
        return {name: sum(1 for o in self.outcomes if o.outcome == name) for name in OUTCOMES}


Phases = dict[str, dict[str, Any]]
"""The first report of each phase of one test (setup, call, teardown), by phase."""


@dataclass
class _Events:
    """What the plugin reported, accumulated over the processes of one run."""

    collected: list[str] = field(default_factory=list)
    reports: dict[str, Phases] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    finished: set[str] = field(default_factory=set)
    collect_errors: dict[str, str] = field(default_factory=dict)
    session_finished: bool = False

    def read(self, path: Path, key: str) -> None:
        """Add the events of one process signed with `key`, up to its session's end."""
        self.session_finished = False
        if not path.exists():
            return
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        path.unlink()
        for event in verified_events(lines, key):
            self._add(event)
            if self.session_finished:
                return

    def _add(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "collected" and not self.collected:
            self.collected = list(event["nodeids"])
        elif kind == "collect_error":
            self.collect_errors.setdefault(event["nodeid"], event["message"])
        elif kind == "start":
            self.started.append(event["nodeid"])
        elif kind == "report":
            self.reports.setdefault(event["nodeid"], {}).setdefault(event["when"], event)
        elif kind == "finish":
            self.finished.add(event["nodeid"])
        elif kind == "session_finish":
            self.session_finished = True

    def interrupted(self) -> str | None:
        """The test that was running when its process ended, if one was."""
        running = [n for n in self.started if n not in self.finished]
        return running[-1] if running else None

    def pending(self) -> list[str]:
        """Collected tests that have not finished."""
        return [n for n in self.collected if n not in self.finished and n not in self.reports]


def verified_events(lines: Sequence[str], key: str) -> Iterator[dict[str, Any]]:
    """The events of report `lines` that the plugin signed with `key`, in its order.

    A line that does not verify (torn by a kill, or written by the code under test) is skipped,
    and so is one whose number was already seen (a replay). A gap in the numbering means a
    signed line was removed: nothing after it can be trusted, so the events end there.
    """
    expected = 0
    for line in lines:
        mac, _, payload = line.partition(" ")
        if not hmac.compare_digest(mac, sign(key.encode(), payload)):
            continue
        event: dict[str, Any] = json.loads(payload)
        if event["seq"] > expected:
            return
        if event["seq"] == expected:
            expected += 1
            yield event


def outcome_of(nodeid: str, phases: Phases) -> TestOutcome:
    """Fold the setup/call/teardown reports of one test into its outcome."""
    verdict, message = _verdict(phases)
    duration = sum(float(r.get("duration", 0.0)) for r in phases.values())
    return TestOutcome(nodeid=nodeid, outcome=verdict, duration_s=duration, message=message)


def _verdict(phases: Phases) -> tuple[Outcome, str]:
    setup, call, teardown = (phases.get(p) for p in ("setup", "call", "teardown"))
    if setup and setup["outcome"] != "passed":
        return ("error" if setup["outcome"] == "failed" else "skipped"), setup["message"]
    if call is None:
        return "error", "the test never ran its body"
    if call["outcome"] != "passed":
        return call["outcome"], call["message"]
    if teardown and teardown["outcome"] == "failed":
        return "error", teardown["message"]
    return "passed", ""


@dataclass
class _Run:
    """One hidden-test run in progress: its temporary folders and what it has learned."""

    sandbox: Sandbox
    root: Path
    import_root: str
    events: _Events = field(default_factory=_Events)
    outputs: list[str] = field(default_factory=list)
    timed_out: bool = False
    restarts: int = 0
    crashed: dict[str, str] = field(default_factory=dict)
    """Tests whose process died while they ran, with how it died."""
    died: str | None = None
    """How the last process ended, when it ended before pytest finished its session."""
    weaknesses: list[str] = field(default_factory=list)

    @property
    def mounts(self) -> list[Mount]:
        return [
            Mount("hidden_tests", self.root / "hidden_tests"),
            Mount("plugin", self.root / "plugin"),
            Mount("report", self.root / "report", writable=True),
        ]

    def pytest(self, targets: list[str], timeout_s: float, collect_only: bool = False) -> None:
        """Run pytest once on `targets` (node ids, or everything) and read its events."""
        workspace = self.root / "workspace"
        layout = self.sandbox.layout(workspace, self.mounts)
        hidden, report = layout.mounts["hidden_tests"], f"{layout.mounts['report']}/events.jsonl"
        # -I: nothing of the workspace runs before the plugin has read its key (see the plugin).
        command = [layout.python, "-I", "-u", f"{layout.mounts['plugin']}/{PLUGIN_NAME}.py"]
        command += [report, "-q", "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", hidden]
        command += ["--continue-on-collection-errors"]
        command += ["--collect-only"] if collect_only else []
        command += [f"{hidden}/{t}" for t in targets] or [hidden]
        env = {
            "PYTHONPATH": f"{layout.workspace}/{self.import_root}",
            # Only our plugin: whatever else is installed beside pytest stays out of the run.
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        }
        key = secrets.token_hex(32)
        result = self.sandbox.run(
            command,
            workspace,
            limits=Limits(timeout_s=timeout_s),
            mounts=self.mounts,
            env=env,
            stdin=f"{key}\n",
        )
        self.outputs.append(result.stdout + result.stderr)
        self.timed_out = result.timed_out
        self.weaknesses = result.weaknesses
        self.events.read(self.root / "report" / "events.jsonl", key)
        self._note_death(result.signal, result.exit_code)

    def _note_death(self, signal: int | None, exit_code: int | None) -> None:
        """If the process ended before its session did, blame the test that was running."""
        self.died = None
        if self.timed_out or self.events.session_finished:
            return
        how = f"signal {signal}" if signal else f"exit code {exit_code}"
        self.died = f"the test process died ({how})"
        running = self.events.interrupted()
        if running is not None:
            self.crashed[running] = f"{self.died} during this test"
            self.events.finished.add(running)

    def should_restart(self, max_restarts: int) -> bool:
        """Whether to run the remaining tests in a new process after this one died."""
        return (
            self.died is not None
            and not self.timed_out
            and bool(self.events.pending())
            and self.restarts < max_restarts
        )


def run_hidden_tests(
    code_dir: Path,
    hidden_tests_dir: Path,
    *,
    import_root: str = ".",
    timeout_s: float = 120.0,
    expected: Sequence[str] | None = None,
    sandbox: Sandbox | None = None,
    max_restarts: int = 3,
) -> HiddenTestRun:
    """Run the tests in `hidden_tests_dir` against the code in `code_dir`, in the sandbox.

    `expected` lists the node ids that should exist (collected on the reference solution);
    tests missing from the run then count as `error` (their file failed to collect) or
    `not_run`. Without it, the tests of uncollectable files are counted from their AST.
    """
    started = time.monotonic()
    with _run_folder(code_dir, hidden_tests_dir) as root:
        run = _Run(sandbox or get_sandbox(), root, import_root)
        run.pytest([], timeout_s)
        while run.should_restart(max_restarts):
            run.restarts += 1
            run.pytest(run.events.pending(), timeout_s - (time.monotonic() - started))
        outcomes = _outcomes(run, expected, hidden_tests_dir)
    return HiddenTestRun(
        outcomes=outcomes,
        backend=run.sandbox.name,
        weaknesses=_weaknesses(run),
        duration_s=time.monotonic() - started,
        timed_out=run.timed_out,
        restarts=run.restarts,
        collection_errors=run.events.collect_errors,
        output_tail="\n".join(run.outputs)[-4000:],
    )


def collect_hidden_tests(
    code_dir: Path,
    hidden_tests_dir: Path,
    *,
    import_root: str = ".",
    timeout_s: float = 120.0,
    sandbox: Sandbox | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Node ids of the hidden tests as collected against `code_dir`, and collection errors.

    When pytest itself could not start, the errors hold its output under the key `(pytest)`.
    """
    with _run_folder(code_dir, hidden_tests_dir) as root:
        run = _Run(sandbox or get_sandbox(), root, import_root)
        run.pytest([], timeout_s, collect_only=True)
        errors = dict(run.events.collect_errors)
        if run.timed_out:
            errors[PYTEST_FAILED] = f"collection timed out after {timeout_s:g} s: {_HANG_HINT}"
        elif not run.events.collected and not errors:
            errors[PYTEST_FAILED] = "\n".join(run.outputs).strip()[-2000:] or "no output"
        return run.events.collected, errors


def _weaknesses(run: _Run) -> list[str]:
    found = list(run.weaknesses)
    if found:
        found.append("hidden tests are copied read-only, but not mounted read-only")
    return found


def _outcomes(run: _Run, expected: Sequence[str] | None, hidden_dir: Path) -> list[TestOutcome]:
    events = run.events
    known = list(dict.fromkeys([*(expected or []), *events.collected]))
    results: list[TestOutcome] = []
    for nodeid in known:
        results.append(_final(nodeid, run))
    if expected is None:
        results += _uncollected(events.collect_errors, hidden_dir)
    return results


def _final(nodeid: str, run: _Run) -> TestOutcome:
    events = run.events
    if nodeid in run.crashed:
        return TestOutcome(nodeid=nodeid, outcome="error", message=run.crashed[nodeid])
    if run.timed_out and nodeid == events.interrupted():
        return TestOutcome(nodeid=nodeid, outcome="timeout", message="the run reached its timeout")
    if nodeid in events.reports:
        return outcome_of(nodeid, events.reports[nodeid])
    error = events.collect_errors.get(nodeid.split("::")[0])
    if error is not None:
        return TestOutcome(nodeid=nodeid, outcome="error", message=error)
    return TestOutcome(nodeid=nodeid, outcome="not_run", message=_not_run_reason(run))


def _not_run_reason(run: _Run) -> str:
    if run.died:
        return f"{run.died} before this test ran"
    if run.timed_out and not run.events.collected:
        return f"the run reached its timeout while collecting: {_HANG_HINT}"
    return "the test did not run"


def _uncollected(errors: dict[str, str], hidden_dir: Path) -> list[TestOutcome]:
    """Placeholders for the tests of files that failed to collect, counted from their AST."""
    placeholders = []
    for file, message in errors.items():
        path = hidden_dir / file
        cases = count_tests(path) if path.is_file() else 0
        placeholders += [
            TestOutcome(nodeid=f"{file}::<uncollected {i}>", outcome="error", message=message)
            for i in range(1, cases + 1)
        ]
    return placeholders


@contextmanager
def _run_folder(code_dir: Path, hidden_tests_dir: Path) -> Iterator[Path]:
    """A private copy of the code and of the hidden tests, deleted when the run is over."""
    root = Path(tempfile.mkdtemp(prefix="regenlab-tests-"))
    try:
        os.chmod(root, 0o755)
        shutil.copytree(code_dir, root / "workspace", symlinks=True, ignore=_copy_ignore)
        shutil.copytree(hidden_tests_dir, root / "hidden_tests", ignore=_copy_ignore)
        _make_read_only(root / "hidden_tests")
        (root / "plugin").mkdir()
        plugin = Path(__file__).with_name("_pytest_report.py")
        shutil.copyfile(plugin, root / "plugin" / f"{PLUGIN_NAME}.py")
        (root / "report").mkdir()
        yield root
    finally:
        _make_writable(root)
        shutil.rmtree(root, ignore_errors=True)


def _make_read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o555 if path.is_dir() else 0o444)


def _make_writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, stat.S_IMODE(path.lstat().st_mode) | stat.S_IWUSR | stat.S_IXUSR)


@dataclass(frozen=True)
class HiddenTests:
    """A task's hidden tests and how they run: collect once on the reference, run on any code."""

    folder: Path
    import_root: str = "."
    timeout_s: float = 120.0
    reference: Path | None = None
    """A reference solution: it fixes which tests exist, so uncollectable code still counts them."""

    def collect(self, sandbox: Sandbox | None = None) -> tuple[list[str] | None, dict[str, str]]:
        """Node ids collected on the reference and its collection errors (None without one)."""
        if self.reference is None:
            return None, {}
        return collect_hidden_tests(
            self.reference,
            self.folder,
            import_root=self.import_root,
            timeout_s=self.timeout_s,
            sandbox=sandbox,
        )

    def run(
        self, code_dir: Path, expected: Sequence[str] | None, sandbox: Sandbox | None = None
    ) -> HiddenTestRun:
        """The hidden tests run on `code_dir`, with the `expected` node ids from `collect`."""
        return run_hidden_tests(
            code_dir,
            self.folder,
            import_root=self.import_root,
            timeout_s=self.timeout_s,
            expected=expected,
            sandbox=sandbox,
        )
