"""`experiment tasks check`: hidden tests pass on the reference, and they test something.

A task passes when, in the sandbox, its hidden tests score 100 % on the reference, 0 % on an
empty workspace, and below 100 % on a copy of the reference with one public function removed.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple, TypeGuard

from pydantic import BaseModel, Field

from analysis import PYTEST_FAILED, HiddenTestRun
from analysis import parse_python as parse
from experiments._tasks import LoadedTask, find_task, list_tasks
from sandbox import Sandbox, get_sandbox


class TaskCheck(BaseModel):
    """The outcome of checking one task."""

    task: str
    """Task id."""
    tests: int
    """Hidden tests collected against the reference."""
    reference: float
    """Pass rate on the reference (must be 1)."""
    empty: float
    """Pass rate on an empty workspace (must be 0)."""
    mutant: float | None
    """Pass rate with `removed` deleted from the reference (must be below 1)."""
    removed: str | None
    """The public function or method deleted for the mutant, as file:name."""
    backend: str
    """Sandbox backend used."""
    problems: list[str] = Field(default_factory=list)
    """What is wrong, one line each; empty when the task passes."""

    @property
    def ok(self) -> bool:
        """Whether the task passed every check."""
        return not self.problems


class Removal(NamedTuple):
    """Source of a module with one public definition removed."""

    name: str
    source: str


def check_tasks(
    tasks: list[str] | None = None, *, tasks_dir: Path | None = None, sandbox: str = "auto"
) -> list[TaskCheck]:
    """Check the named tasks (ids or paths), or every task under `tasks_dir`."""
    box = get_sandbox(sandbox)
    if tasks:
        loaded = [find_task(t, tasks_dir=tasks_dir) for t in tasks]
    else:
        listing = list_tasks(tasks_dir=tasks_dir)
        if listing.errors:
            raise listing.errors[0]
        loaded = list(listing.tasks)
    return [check_task(task, box) for task in loaded]


def check_task(task: LoadedTask, sandbox: Sandbox) -> TaskCheck:
    """Run the three checks of one task."""
    hidden = task.hidden_tests
    expected, errors = hidden.collect(sandbox)

    def run(code_dir: Path) -> HiddenTestRun:
        return hidden.run(code_dir, expected, sandbox)

    reference = run(task.reference_dir)
    with _scratch() as scratch:
        empty = run(scratch / "empty")
        shutil.copytree(task.reference_dir, scratch / "mutant")
        removed = remove_one_public_function(scratch / "mutant" / task.spec.tests.import_root)
        mutant = run(scratch / "mutant") if removed else None
    check = TaskCheck(
        task=task.id,
        tests=len(expected or []),
        reference=reference.pass_rate,
        empty=empty.pass_rate,
        mutant=mutant.pass_rate if mutant else None,
        removed=removed,
        backend=sandbox.name,
    )
    check.problems = _problems(check, errors, reference)
    return check


def _problems(check: TaskCheck, errors: dict[str, str], reference: HiddenTestRun) -> list[str]:
    problems = [
        f"pytest collected nothing: {message.splitlines()[-1]}"
        if file == PYTEST_FAILED
        else f"{file} does not collect against the reference: {_first_line(message)}"
        for file, message in errors.items()
    ]
    if check.tests == 0:
        problems.append("no hidden test was collected")
    if check.tests and check.reference < 1.0:
        failing = [o.nodeid for o in reference.outcomes if o.outcome != "passed"]
        shown = ", ".join(failing[:3]) + (" ..." if len(failing) > 3 else "")
        problems.append(f"the reference fails {len(failing)} hidden test(s): {shown}")
    if check.empty > 0.0:
        problems.append(f"hidden tests pass on an empty workspace ({check.empty:.0%})")
    if check.removed is None:
        problems.append("the reference has no public function to remove")
    elif check.mutant is not None and check.mutant >= 1.0:
        problems.append(f"hidden tests still pass with {check.removed} removed")
    return problems


@contextmanager
def _scratch() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="regenlab-check-"))
    try:
        (root / "empty").mkdir()
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def remove_one_public_function(folder: Path) -> str | None:
    """Delete the first public function (else public method) found under `folder`, in place.

    Files are visited in sorted order, package `__init__`/`__main__` files last. Returns
    `file:name` of what was removed, or None when there is nothing public to remove.
    """

    def order(path: Path) -> tuple[bool, Path]:
        return path.name in ("__init__.py", "__main__.py"), path

    files = sorted(folder.rglob("*.py"), key=order)
    for pick in (_drop_function, _drop_method):
        for path in files:
            removal = pick(path.read_text(encoding="utf-8"))
            if removal is not None:
                path.write_text(removal.source, encoding="utf-8")
                return f"{path.relative_to(folder)}:{removal.name}"
    return None


def _public(node: ast.stmt) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef]:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return not node.name.startswith("_")


def _drop_function(source: str) -> Removal | None:
    tree = parse(source)
    for index, node in enumerate(tree.body):
        if _public(node):
            del tree.body[index]
            return Removal(node.name, ast.unparse(tree))
    return None


def _drop_method(source: str) -> Removal | None:
    tree = parse(source)
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef) or cls.name.startswith("_"):
            continue
        for index, node in enumerate(cls.body):
            if _public(node):
                del cls.body[index]
                cls.body = cls.body or [ast.Pass()]
                return Removal(f"{cls.name}.{node.name}", ast.unparse(tree))
    return None


def _first_line(message: str) -> str:
    """The first non-blank line of a collection error (it says why)."""
    return next((line.strip() for line in message.splitlines() if line.strip()), "no output")
