"""The hidden-test runner: outcomes per test, pass rate, and bad input that never crashes it."""

from __future__ import annotations

import json
import secrets
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from analysis import PYTEST_FAILED, collect_hidden_tests, run_hidden_tests
from analysis._hidden_tests import _Events, verified_events
from analysis._pytest_report import collect_message, sign

GOOD_CODE = "def add(a, b):\n    return a + b\n"
TESTS = """
from calc import add

def test_small():
    assert add(1, 2) == 3

def test_negative():
    assert add(-1, -2) == -3

def test_strings():
    assert add("a", "b") == "ab"
"""


def make(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def hidden(tmp_path: Path) -> Path:
    return make(tmp_path / "hidden", {"test_calc.py": TESTS})


def outcomes(run) -> dict[str, str]:
    return {o.nodeid.split("::")[-1]: o.outcome for o in run.outcomes}


def test_all_pass_on_good_code(tmp_path: Path, hidden: Path) -> None:
    run = run_hidden_tests(make(tmp_path / "code", {"calc.py": GOOD_CODE}), hidden, timeout_s=60)
    assert (run.passed, run.total, run.pass_rate) == (3, 3, 1.0)
    assert run.backend in {"bwrap", "local"}
    assert run.model_dump()["pass_rate"] == 1.0


def test_failures_are_per_test(tmp_path: Path, hidden: Path) -> None:
    code = make(
        tmp_path / "code", {"calc.py": "def add(a, b):\n    return a + b if a > 0 else 0\n"}
    )
    run = run_hidden_tests(code, hidden, timeout_s=60)
    assert outcomes(run) == {
        "test_small": "passed",
        "test_negative": "failed",
        "test_strings": "failed",
    }
    assert run.pass_rate == pytest.approx(1 / 3)
    failed = next(o for o in run.outcomes if o.outcome == "failed")
    assert "assert" in failed.message


def test_empty_workspace_scores_zero_and_names_the_import_error(
    tmp_path: Path, hidden: Path
) -> None:
    run = run_hidden_tests(make(tmp_path / "empty", {}), hidden, timeout_s=60)
    assert run.total == 3 and run.pass_rate == 0.0
    assert set(outcomes(run).values()) == {"error"}
    assert "No module named 'calc'" in run.collection_errors["test_calc.py"]


def test_expected_ids_fill_in_what_did_not_run(tmp_path: Path, hidden: Path) -> None:
    reference = make(tmp_path / "ref", {"calc.py": GOOD_CODE})
    expected, errors = collect_hidden_tests(reference, hidden)
    assert errors == {} and len(expected) == 3
    run = run_hidden_tests(make(tmp_path / "empty", {}), hidden, expected=expected, timeout_s=60)
    assert [o.nodeid for o in run.outcomes] == expected
    assert {o.outcome for o in run.outcomes} == {"error"}


def test_a_syntax_error_in_the_workspace_is_a_result(tmp_path: Path, hidden: Path) -> None:
    code = make(tmp_path / "code", {"calc.py": "def add(a, b)\n    return a + b\n"})
    run = run_hidden_tests(code, hidden, timeout_s=60)
    assert run.pass_rate == 0.0 and run.total == 3
    assert "SyntaxError" in run.collection_errors["test_calc.py"]


def test_hidden_tests_that_fail_to_import(tmp_path: Path) -> None:
    broken = make(
        tmp_path / "hidden",
        {
            "test_a.py": "import no_such_dependency\n\ndef test_x():\n    pass\n",
            "test_b.py": "from calc import add\n\ndef test_y():\n    assert add(1, 2) == 3\n",
        },
    )
    code = make(tmp_path / "code", {"calc.py": GOOD_CODE})
    run = run_hidden_tests(code, broken, timeout_s=60)
    assert outcomes(run) == {"test_y": "passed", "<uncollected 1>": "error"}
    assert run.pass_rate == 0.5


def test_a_test_that_kills_its_process_fails_alone(tmp_path: Path) -> None:
    tests = make(
        tmp_path / "hidden",
        {
            "test_k.py": """
        import os, signal

        from calc import add

        def test_before():
            assert add(1, 2) == 3

        def test_suicide():
            os.kill(os.getpid(), signal.SIGKILL)

        def test_exit():
            os._exit(0)

        def test_after():
            assert add(-1, 1) == 0
        """
        },
    )
    code = make(tmp_path / "code", {"calc.py": GOOD_CODE})
    run = run_hidden_tests(code, tests, timeout_s=60)
    assert outcomes(run) == {
        "test_before": "passed",
        "test_suicide": "error",
        "test_exit": "error",
        "test_after": "passed",
    }
    assert run.restarts == 2
    died = {o.nodeid.split("::")[-1]: o.message for o in run.outcomes}
    assert "signal 9" in died["test_suicide"] and "exit code 0" in died["test_exit"]


def test_a_hanging_test_times_out_and_the_rest_did_not_run(tmp_path: Path) -> None:
    tests = make(
        tmp_path / "hidden",
        {
            "test_h.py": """
        import time

        from calc import add

        def test_first():
            assert add(2, 2) == 4

        def test_hangs():
            time.sleep(3600)

        def test_never():
            assert add("a", "b") == "ab"
        """
        },
    )
    run = run_hidden_tests(make(tmp_path / "code", {"calc.py": GOOD_CODE}), tests, timeout_s=4)
    assert run.timed_out
    assert outcomes(run) == {
        "test_first": "passed",
        "test_hangs": "timeout",
        "test_never": "not_run",
    }
    assert run.pass_rate == pytest.approx(1 / 3)


def test_skips_and_teardown_errors_do_not_count_as_passed(tmp_path: Path) -> None:
    tests = make(
        tmp_path / "hidden",
        {
            "test_s.py": """
        import pytest

        from calc import add

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown")

        def test_skipped():
            pytest.skip("not today")

        def test_teardown(broken_teardown):
            assert add(1, 1) == 2

        @pytest.fixture
        def broken_setup():
            raise RuntimeError("setup")

        def test_setup(broken_setup):
            assert add(3, 4) == 7
        """
        },
    )
    code = make(tmp_path / "code", {"calc.py": GOOD_CODE})
    run = run_hidden_tests(code, tests, timeout_s=60)
    assert outcomes(run) == {
        "test_skipped": "skipped",
        "test_teardown": "error",
        "test_setup": "error",
    }
    assert run.pass_rate == 0.0


def test_code_under_test_cannot_alter_the_hidden_tests(tmp_path: Path) -> None:
    # On import, the code tries to rewrite every test file it can find so that it passes.
    evil = """
        import pathlib
        for root in ("/mnt", "/tmp", ".."):
            for path in pathlib.Path(root).rglob("test_*.py"):
                try:
                    path.write_text("from evil import value\\n\\ndef test_value():\\n"
                                    "    assert value() == 1\\n")
                except OSError:
                    pass

        def value():
            return 1
        """
    tests = make(
        tmp_path / "hidden",
        {"test_v.py": "from evil import value\n\ndef test_value():\n    assert value() == 2\n"},
    )
    original = (tests / "test_v.py").read_text()
    run = run_hidden_tests(make(tmp_path / "code", {"evil.py": evil}), tests, timeout_s=60)
    assert outcomes(run) == {"test_value": "failed"}
    assert (tests / "test_v.py").read_text() == original


def test_run_folders_are_gone_afterwards(
    tmp_path: Path, hidden: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A private temporary folder: other runs on this machine come and go in the shared one.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    run_hidden_tests(make(tmp_path / "code", {"calc.py": GOOD_CODE}), hidden, timeout_s=60)
    assert list(scratch.iterdir()) == []


def test_the_code_folder_is_not_changed(tmp_path: Path, hidden: Path) -> None:
    code = make(
        tmp_path / "code", {"calc.py": GOOD_CODE + "open('side_effect.txt', 'w').write('x')\n"}
    )
    run_hidden_tests(code, hidden, timeout_s=60)
    assert sorted(p.name for p in code.iterdir()) == ["calc.py"]


def test_import_root(tmp_path: Path, hidden: Path) -> None:
    code = make(tmp_path / "code", {"src/calc.py": GOOD_CODE})
    assert run_hidden_tests(code, hidden, import_root="src", timeout_s=60).pass_rate == 1.0
    assert run_hidden_tests(code, hidden, timeout_s=60).pass_rate == 0.0


# Code that tries to forge a perfect score by writing "passed" reports into the report file,
# whatever its format: it copies every line it finds there with "failed" turned into "passed",
# then appends bare reports for every test it saw named, then a session end.
FORGER = """
import atexit, glob, json, os, re, sys

def forge():
    candidates = [os.environ.get("REGENLAB_REPORT", ""), *sys.argv, *glob.glob("/mnt/report/*")]
    for path in {p for p in candidates if p.endswith(".jsonl") and os.path.isfile(p)}:
        text = open(path).read()
        forged = [line.replace('"failed"', '"passed"') for line in text.splitlines()]
        for nodeid in set(re.findall(r'"nodeid": "([^"]+)"', text)):
            for when in ("setup", "call", "teardown"):
                forged.append(json.dumps({"event": "report", "nodeid": nodeid, "when": when,
                                          "outcome": "passed", "duration": 0.0, "message": ""}))
        forged.append(json.dumps({"event": "session_finish", "exitstatus": 0}))
        with open(path, "a") as stream:
            stream.write("\\n".join(forged) + "\\n")

def add(a, b):
    if WHEN == "during the tests":
        forge()
    return None

if WHEN == "at exit":
    atexit.register(forge)
"""


@pytest.mark.parametrize("when", ["at exit", "during the tests"])
def test_code_under_test_cannot_forge_passing_reports(
    tmp_path: Path, hidden: Path, when: str
) -> None:
    code = make(tmp_path / "code", {"calc.py": f"WHEN = {when!r}\n" + FORGER})
    run = run_hidden_tests(code, hidden, timeout_s=60)
    assert run.pass_rate == 0.0, outcomes(run)
    assert set(outcomes(run).values()) == {"failed"}


def test_the_key_is_out_of_reach_of_plain_reads(
    tmp_path: Path, hidden: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The code under test looks for the run's key where a process can simply read it.
    key = "k" * 64
    monkeypatch.setattr(secrets, "token_hex", lambda nbytes: key)
    spy = f"""
        import glob, os, sys
        places = {{"environ": repr(dict(os.environ)), "argv": repr(sys.argv),
                  "proc environ": open("/proc/self/environ", "rb").read().decode(errors="replace"),
                  "report": "".join(open(p).read() for p in glob.glob("/mnt/report/*"))}}
        FOUND = sorted(name for name, text in places.items() if {key!r} in text)
        def add(a, b):
            assert FOUND == []
            return a + b
        """
    run = run_hidden_tests(make(tmp_path / "code", {"calc.py": spy}), hidden, timeout_s=60)
    assert run.pass_rate == 1.0, [o.message for o in run.outcomes]


def signed(key: str, *events: Mapping[str, object]) -> list[str]:
    """Report lines as the plugin writes them."""
    lines = []
    for seq, event in enumerate(events):
        payload = json.dumps({**event, "seq": seq})
        lines.append(f"{sign(key.encode(), payload)} {payload}")
    return lines


def report(nodeid: str, when: str, outcome: str) -> dict[str, object]:
    return {"event": "report", "nodeid": nodeid, "when": when, "outcome": outcome, "message": ""}


def test_only_lines_signed_with_the_key_count_in_order() -> None:
    good = signed("key", {"event": "start", "nodeid": "a"}, {"event": "finish", "nodeid": "a"})
    forged = signed("guess", {"event": "start", "nodeid": "b"})[0]
    unsigned = json.dumps({"event": "start", "nodeid": "c", "seq": 1})
    lines = [good[0], forged, unsigned, good[0], "torn li", good[1]]
    assert [e["nodeid"] for e in verified_events(lines, "key")] == ["a", "a"]


def test_a_removed_line_ends_what_can_be_trusted() -> None:
    lines = signed("key", *({"event": "start", "nodeid": n} for n in "abc"))
    assert [e["nodeid"] for e in verified_events([lines[0], lines[2]], "key")] == ["a"]


def test_the_first_report_of_each_phase_stands_and_the_session_end_is_the_end(
    tmp_path: Path,
) -> None:
    path = tmp_path / "events.jsonl"
    lines = signed(
        "key",
        report("t", "call", "failed"),
        report("t", "call", "passed"),
        {"event": "session_finish", "exitstatus": 1},
        report("u", "call", "passed"),
    )
    path.write_text("\n".join(lines) + "\n")
    events = _Events()
    events.read(path, "key")
    assert events.reports == {"t": {"call": json.loads(lines[0].split(" ", 1)[1])}}
    assert events.session_finished and not path.exists()


def test_collection_messages_lead_with_the_cause() -> None:
    missing = "ImportError while importing test module 'x'.\nTraceback:\nE   ModuleNotFoundError: m"
    assert collect_message(missing).splitlines()[0] == "ModuleNotFoundError: m"
    syntax = (
        'x.py:1: in <module>\nE     File "/w/calc.py", line 1\nE       def f(\nE   SyntaxError: x'
    )
    assert collect_message(syntax).splitlines()[0] == 'SyntaxError: x (File "/w/calc.py", line 1)'
    assert collect_message("usage: bad\n").splitlines()[0] == "usage: bad"


def test_collection_errors_say_why_on_their_first_line(tmp_path: Path, hidden: Path) -> None:
    _, missing = collect_hidden_tests(make(tmp_path / "empty", {}), hidden)
    assert missing["test_calc.py"].splitlines()[0] == "ModuleNotFoundError: No module named 'calc'"
    broken = make(tmp_path / "broken", {"calc.py": "def add(a, b)\n    return a + b\n"})
    _, syntax = collect_hidden_tests(broken, hidden)
    first = syntax["test_calc.py"].splitlines()[0]
    assert first.startswith("SyntaxError: ") and 'calc.py", line 1)' in first


def test_code_that_hangs_at_import_is_named_a_timeout(tmp_path: Path, hidden: Path) -> None:
    hangs = make(tmp_path / "ref", {"calc.py": "import time\ntime.sleep(3600)\n"})
    ids, errors = collect_hidden_tests(hangs, hidden, timeout_s=3)
    assert ids == [] and list(errors) == [PYTEST_FAILED]
    assert "collection timed out after 3 s" in errors[PYTEST_FAILED].splitlines()[-1]
    run = run_hidden_tests(hangs, hidden, expected=["test_calc.py::test_small"], timeout_s=3)
    assert run.timed_out and run.outcomes[0].outcome == "not_run"
    assert "timeout while collecting" in run.outcomes[0].message
