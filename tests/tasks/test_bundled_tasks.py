"""Every bundled task is valid, and its hidden tests pass on its reference solution."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from experiments import list_tasks

TASKS_DIR = Path(__file__).resolve().parents[2] / "tasks"
LISTING = list_tasks(tasks_dir=TASKS_DIR)


def test_every_bundled_task_is_valid() -> None:
    assert LISTING.errors == ()
    assert len(LISTING.tasks) >= 1


@pytest.mark.parametrize("task", LISTING.tasks, ids=lambda t: t.id)
def test_hidden_tests_pass_on_the_reference(task, tmp_path: Path) -> None:
    # The reference is our own code: a plain subprocess is enough here. Copies keep the
    # task folder free of caches.
    workspace = tmp_path / "workspace"
    shutil.copytree(task.reference_dir, workspace)
    tests = shutil.copytree(task.hidden_tests_dir, tmp_path / "hidden_tests")
    env = {**os.environ, "PYTHONPATH": str(workspace / task.spec.tests.import_root)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            os.devnull,
            "--rootdir",
            str(tmp_path),
            str(tests),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=task.spec.tests.timeout_s,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{task.hidden_test_count} passed" in result.stdout
