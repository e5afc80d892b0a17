"""The web world's task file: at least 12 tasks, each with checks and an oracle plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos import ChaosConfigError, load_tasks
from chaos._tasks import TASKS_FILE, AnswerCheck, ReadStep


def test_the_bundled_tasks_are_many_and_varied() -> None:
    tasks = load_tasks()
    assert len(tasks) >= 12
    needs = {tuple(t.requires) for t in tasks}
    assert {(), ("js",), ("cookies",), ("js", "cookies")} <= needs
    assert any(t.login for t in tasks), "a task starts from a storage state"


def test_a_task_that_asks_reads_its_answer_from_the_page() -> None:
    for task in load_tasks():
        asks = any(isinstance(c, AnswerCheck) for c in task.checks)
        reads = any(isinstance(s, ReadStep) for s in task.plan)
        assert asks == reads, task.id


def test_a_bad_step_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_text(
        "- {id: x, intent: y, checks: [{kind: answer}], plan: [{clik: Home}]}\n", encoding="utf-8"
    )
    with pytest.raises(ChaosConfigError) as caught:
        load_tasks(path)
    assert "\n" not in str(caught.value) and "a step is a mapping with one key" in str(caught.value)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yaml"
    one = "- {id: x, intent: y, checks: [{kind: answer}], plan: [back]}\n"
    path.write_text(one * 2, encoding="utf-8")
    with pytest.raises(ChaosConfigError, match="appears twice"):
        load_tasks(path)


def test_the_task_file_ships_with_the_package() -> None:
    assert TASKS_FILE.is_file() and TASKS_FILE.parent.name == "world"
