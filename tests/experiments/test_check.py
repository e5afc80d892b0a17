"""`experiment tasks check`: a good task passes; tests that cannot fail are caught."""

from __future__ import annotations

import textwrap
from pathlib import Path

from typer.testing import CliRunner

from experiments import check_tasks, find_task
from experiments._check import check_task, remove_one_public_function
from experiments.cli import app
from sandbox import get_sandbox


def test_the_example_task_passes(tasks_dir: Path) -> None:
    [check] = check_tasks(["lru-ttl-cache"], tasks_dir=tasks_dir)
    assert check.ok, check.problems
    assert (check.tests, check.reference, check.empty) == (26, 1.0, 0.0)
    assert check.mutant is not None and check.mutant < 1.0
    assert check.removed == "lru_ttl.py:LRUCache.get"


def test_tests_that_cannot_fail_are_caught(task_dir: Path) -> None:
    (task_dir / "hidden_tests" / "test_lru_ttl.py").write_text(
        "def test_nothing():\n    assert True\n"
    )
    check = check_task(find_task(str(task_dir)), get_sandbox())
    assert not check.ok
    assert "hidden tests pass on an empty workspace (100%)" in check.problems
    assert any("still pass with lru_ttl.py:LRUCache.get removed" in p for p in check.problems)


def test_a_wrong_reference_is_caught(task_dir: Path) -> None:
    reference = task_dir / "reference" / "lru_ttl.py"
    reference.write_text(reference.read_text().replace("return len(self._entries)", "return 0"))
    check = check_task(find_task(str(task_dir)), get_sandbox())
    assert any(p.startswith("the reference fails") for p in check.problems)
    assert check.reference < 1.0


def test_a_test_file_that_does_not_collect_says_why(task_dir: Path) -> None:
    (task_dir / "hidden_tests" / "test_broken.py").write_text(
        "import no_such_module\n\ndef test_x():\n    pass\n"
    )
    check = check_task(find_task(str(task_dir)), get_sandbox())
    assert not check.ok
    [problem] = [p for p in check.problems if "does not collect" in p]
    assert problem.startswith("test_broken.py does not collect against the reference: ")
    assert "No module named 'no_such_module'" in problem


def test_cli_exit_codes(tasks_dir: Path, task_dir: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app, ["tasks", "check", "--tasks-dir", str(tasks_dir)], env={"COLUMNS": "200"}
    )
    assert ok.exit_code == 0, ok.output
    assert "1/1 task(s) ok" in ok.output
    (task_dir / "hidden_tests" / "test_lru_ttl.py").write_text("def test_x():\n    pass\n")
    bad = runner.invoke(app, ["tasks", "check", "--tasks-dir", str(tasks_dir), "--json"])
    assert bad.exit_code == 1
    assert '"ok": false' in bad.output


def test_remove_one_public_function_prefers_functions(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text(
        "from pkg.core import run\n\ndef helper():\n    pass\n"
    )
    (tmp_path / "pkg" / "core.py").write_text(
        textwrap.dedent("""
        class Engine:
            def start(self):
                return 1

        def _private():
            return 0

        def run():
            return Engine().start()
        """)
    )
    assert remove_one_public_function(tmp_path) == "pkg/core.py:run"
    assert "def run" not in (tmp_path / "pkg" / "core.py").read_text()


def test_remove_one_public_function_falls_back_to_methods(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "class A:\n    def _x(self):\n        pass\n\n    def go(self):\n        pass\n"
    )
    assert remove_one_public_function(tmp_path) == "m.py:A.go"
    (tmp_path / "m.py").write_text("X = 1\n")
    assert remove_one_public_function(tmp_path) is None
