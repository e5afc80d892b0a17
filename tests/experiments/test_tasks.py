"""Task format validation: every malformed task gives one line naming the file, field and fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from experiments import TaskFormatError, find_task, list_tasks, load_task


def rewrite(task_dir: Path, **changes: object) -> Path:
    path = task_dir / "task.yaml"
    data = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data))
    return path


def error_of(path: Path) -> str:
    with pytest.raises(TaskFormatError) as info:
        load_task(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_loads_the_example_task(task_dir: Path) -> None:
    task = load_task(task_dir)
    assert task.id == "lru-ttl-cache"
    assert task.spec.difficulty == "easy"
    assert task.spec.tests.timeout_s == 60
    assert task.spec.limits.max_turns == 30
    assert task.hidden_test_count == 26
    assert [p.name for p in task.hidden_test_files] == ["test_lru_ttl.py"]
    assert task.visible_tests_dir is None
    assert load_task(task_dir / "task.yaml") == task


def test_defaults_apply_to_optional_sections(task_dir: Path) -> None:
    rewrite(task_dir, limits=None, tests=None, tags=None, language=None)
    spec = load_task(task_dir).spec
    assert (spec.limits.max_turns, spec.limits.max_output_tokens, spec.limits.timeout_s) == (
        40,
        60000,
        900,
    )
    assert (spec.tests.timeout_s, spec.tests.import_root, spec.language, spec.tags) == (
        120,
        ".",
        "python",
        [],
    )


def test_unknown_field(task_dir: Path) -> None:
    path = rewrite(task_dir, colour="blue")
    message = error_of(task_dir)
    assert message.startswith(f"{path}: field 'colour': unknown field")
    assert "fix: remove it or use one of: id, title, difficulty" in message


def test_unknown_nested_field_lists_that_sections_fields(task_dir: Path) -> None:
    rewrite(task_dir, limits={"max_turns": 3, "max_turnz": 4})
    message = error_of(task_dir)
    assert "field 'limits.max_turnz': unknown field" in message
    assert "use one of: max_turns, max_output_tokens, timeout_s" in message


def test_malformed_yaml_names_the_line(task_dir: Path) -> None:
    path = task_dir / "task.yaml"
    path.write_text("id: lru-ttl-cache\ntitle: [unclosed\ndifficulty: easy\n")
    message = error_of(task_dir)
    assert message.startswith(f"{path}: line ")
    assert "invalid YAML" in message and "fix:" in message


def test_a_file_that_is_not_utf8_names_the_byte(task_dir: Path) -> None:
    path = task_dir / "task.yaml"
    path.write_bytes(b"id: lru-ttl-cache\ntitle: \xff\xfe\n")
    message = error_of(task_dir)
    assert message.startswith(f"{path}: byte 25 is not UTF-8; fix: save the file as UTF-8")


def test_an_undecodable_hidden_test_counts_no_test_instead_of_crashing(task_dir: Path) -> None:
    before = load_task(task_dir)
    (task_dir / "hidden_tests" / "test_binary.py").write_bytes(b"def test_x():\n    '\xff'\n")
    (task_dir / "hidden_tests" / "test_null.py").write_bytes(b"def test_y():\n    pass\x00\n")
    after = load_task(task_dir)
    assert len(after.hidden_test_files) == len(before.hidden_test_files) + 2
    assert after.hidden_test_count == before.hidden_test_count > 0


def test_a_yaml_list_is_not_a_task(task_dir: Path) -> None:
    (task_dir / "task.yaml").write_text("- id: lru-ttl-cache\n")
    assert "must be a mapping of fields" in error_of(task_dir)


def test_missing_required_field(task_dir: Path) -> None:
    rewrite(task_dir, title=None)
    message = error_of(task_dir)
    assert "field 'title': required field is missing; fix: add `title: ...`" in message


def test_bad_difficulty(task_dir: Path) -> None:
    rewrite(task_dir, difficulty="trivial")
    message = error_of(task_dir)
    assert "field 'difficulty':" in message and "'easy', 'medium' or 'hard'" in message
    assert "got 'trivial'" in message and "fix:" in message


def test_bad_id_pattern(task_dir: Path) -> None:
    rewrite(task_dir, id="LRU_cache")
    message = error_of(task_dir)
    assert (
        "field 'id': 'LRU_cache' is not a valid id; fix: use lowercase letters, digits and dashes"
        in message
    )


def test_id_differs_from_folder(task_dir: Path) -> None:
    path = rewrite(task_dir, id="other-name")
    message = error_of(task_dir)
    assert message == (
        f"{path}: field 'id': 'other-name' differs from its folder name 'lru-ttl-cache'; "
        "fix: set id: lru-ttl-cache or rename the folder to other-name"
    )


def test_bad_timeout_value(task_dir: Path) -> None:
    rewrite(task_dir, tests={"timeout_s": -1})
    assert "field 'tests.timeout_s':" in error_of(task_dir)


def test_missing_hidden_tests_folder(task_dir: Path) -> None:
    shutil.rmtree(task_dir / "hidden_tests")
    message = error_of(task_dir)
    assert "field 'hidden_tests': folder" in message and "is missing" in message
    assert "fix: add hidden_tests/ with pytest files named test_*.py" in message


def test_hidden_tests_without_test_files(task_dir: Path) -> None:
    for path in (task_dir / "hidden_tests").iterdir():
        path.unlink()
    assert "holds no test_*.py file" in error_of(task_dir)


def test_missing_reference(task_dir: Path) -> None:
    shutil.rmtree(task_dir / "reference")
    assert "field 'reference':" in error_of(task_dir)


def test_missing_task_file(tmp_path: Path) -> None:
    assert "not found" in error_of(tmp_path)


def test_several_errors_are_summarised_on_one_line(task_dir: Path) -> None:
    rewrite(task_dir, title=None, difficulty="x", colour="y")
    assert error_of(task_dir).endswith("(and 2 more error(s))")


def test_list_tasks_keeps_good_tasks_and_reports_bad_ones(tasks_dir: Path, task_dir: Path) -> None:
    broken = tasks_dir / "broken-task"
    shutil.copytree(task_dir, broken)
    (tasks_dir / "not-a-task").mkdir()
    listing = list_tasks(tasks_dir=tasks_dir)
    assert [t.id for t in listing.tasks] == ["lru-ttl-cache"]
    [error] = listing.errors
    assert "differs from its folder name 'broken-task'" in str(error)


def test_find_task_by_id_folder_or_file(tasks_dir: Path, task_dir: Path) -> None:
    assert find_task("lru-ttl-cache", tasks_dir=tasks_dir).folder == task_dir
    assert find_task(str(task_dir)).folder == task_dir
    assert find_task(str(task_dir / "task.yaml")).folder == task_dir


def test_find_task_names_a_missing_path_as_typed(tasks_dir: Path) -> None:
    with pytest.raises(TaskFormatError) as info:
        find_task("tasks/nope/task.yaml", tasks_dir=tasks_dir)
    assert str(info.value) == (
        "tasks/nope/task.yaml: no such task file or folder; "
        "fix: give an existing path, or a task id: lru-ttl-cache"
    )


def test_find_task_unknown_id_lists_known_ones(tasks_dir: Path) -> None:
    with pytest.raises(TaskFormatError, match="no task 'nope'; fix: use one of: lru-ttl-cache"):
        find_task("nope", tasks_dir=tasks_dir)


def test_list_tasks_on_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(TaskFormatError, match="no such tasks folder; fix: pass --tasks-dir"):
        list_tasks(tasks_dir=tmp_path / "missing")
