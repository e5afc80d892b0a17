"""The bundled task suite: every task is valid, and the suite has the spread it promises.

CI also runs `experiment tasks check` on every task (hidden tests pass on the reference, fail
on an empty workspace and on a reference missing one public function).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from experiments import list_tasks

TASKS_DIR = Path(__file__).resolve().parents[2] / "tasks"
LISTING = list_tasks(tasks_dir=TASKS_DIR)


def test_every_bundled_task_is_valid() -> None:
    assert LISTING.errors == ()


def test_the_suite_spread() -> None:
    assert len(LISTING.tasks) >= 10
    difficulties = Counter(t.spec.difficulty for t in LISTING.tasks)
    assert difficulties["easy"] >= 3 and difficulties["medium"] >= 4 and difficulties["hard"] >= 3


def test_every_task_has_enough_hidden_tests() -> None:
    few = {t.id: t.hidden_test_count for t in LISTING.tasks if t.hidden_test_count < 15}
    assert few == {}


def test_reference_sizes_match_difficulty() -> None:
    # Lines of reference code (wc -l), and modules: one for easy, 2-4 for medium, 5+ for hard.
    lines_bounds = {"easy": (50, 100), "medium": (200, 400), "hard": (500, 1000)}
    module_bounds = {"easy": (1, 1), "medium": (2, 4), "hard": (5, 99)}
    for task in LISTING.tasks:
        files = list(task.reference_dir.rglob("*.py"))
        lines = sum(len(path.read_text().splitlines()) for path in files)
        low, high = lines_bounds[task.spec.difficulty]
        assert low <= lines <= high, f"{task.id}: {lines} reference lines"
        low, high = module_bounds[task.spec.difficulty]
        assert low <= len(files) <= high, f"{task.id}: {len(files)} modules"
