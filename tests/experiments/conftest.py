from __future__ import annotations

import shutil
from pathlib import Path

import pytest

BUNDLED_TASK = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache"


@pytest.fixture
def tasks_dir(tmp_path: Path) -> Path:
    """A tasks folder holding a copy of the bundled example task."""
    root = tmp_path / "tasks"
    shutil.copytree(BUNDLED_TASK, root / BUNDLED_TASK.name)
    return root


@pytest.fixture
def task_dir(tasks_dir: Path) -> Path:
    return tasks_dir / BUNDLED_TASK.name
