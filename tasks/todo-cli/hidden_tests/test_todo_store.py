import datetime
import json
from pathlib import Path

import pytest
from todo.store import StoreError, Task, TodoStore


def test_task_defaults():
    a = Task(1, "a")
    b = Task(2, "b")
    assert (a.id, a.title, a.done, a.tags, a.due) == (1, "a", False, [], None)
    a.tags.append("x")
    assert b.tags == []


def test_load_missing_file_gives_empty_store(tmp_path):
    path = tmp_path / "none.json"
    store = TodoStore.load(str(path))
    assert store.tasks() == []
    assert isinstance(store.path, Path)
    assert store.path == path
    assert not path.exists()


def test_add_assigns_ids_and_normalises(tmp_path):
    store = TodoStore.load(tmp_path / "db.json")
    first = store.add("  First  ", tags=["x", "y", "x"], due=datetime.date(2024, 5, 1))
    second = store.add("Second")
    assert first == Task(1, "First", False, ["x", "y"], datetime.date(2024, 5, 1))
    assert second == Task(2, "Second")
    assert store.tasks() == [first, second]


@pytest.mark.parametrize(
    ("title", "tags"),
    [("", ()), ("   ", ()), ("ok", ("",)), ("ok", ("a b",)), ("ok", ("tab\there",))],
)
def test_add_rejects_bad_title_or_tags(tmp_path, title, tags):
    store = TodoStore.load(tmp_path / "db.json")
    with pytest.raises(ValueError):
        store.add(title, tags=tags)


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "db.json"
    store = TodoStore.load(path)
    store.add("Buy milk", tags=["home"], due=datetime.date(2024, 5, 1))
    store.add("Call Bob")
    store.get(2).done = True
    store.save()
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "version": 1,
        "next_id": 3,
        "tasks": [
            {"id": 1, "title": "Buy milk", "done": False, "tags": ["home"], "due": "2024-05-01"},
            {"id": 2, "title": "Call Bob", "done": True, "tags": [], "due": None},
        ],
    }
    again = TodoStore.load(path)
    assert again.tasks() == [
        Task(1, "Buy milk", False, ["home"], datetime.date(2024, 5, 1)),
        Task(2, "Call Bob", True, [], None),
    ]


def test_get_and_remove(tmp_path):
    store = TodoStore.load(tmp_path / "db.json")
    store.add("one")
    store.add("two")
    assert store.get(2).title == "two"
    removed = store.remove(1)
    assert removed.title == "one"
    assert [t.id for t in store.tasks()] == [2]
    with pytest.raises(KeyError):
        store.get(1)
    with pytest.raises(KeyError):
        store.remove(1)
    with pytest.raises(KeyError):
        store.get(99)


def test_ids_not_reused_across_save_and_load(tmp_path):
    path = tmp_path / "db.json"
    store = TodoStore.load(path)
    store.add("one")
    store.add("two")
    store.remove(2)
    store.save()
    assert TodoStore.load(path).add("three").id == 3


def test_changes_to_got_task_are_saved(tmp_path):
    path = tmp_path / "db.json"
    store = TodoStore.load(path)
    store.add("one")
    t = store.get(1)
    t.title = "renamed"
    t.tags = ["z"]
    t.due = datetime.date(2030, 1, 2)
    store.save()
    assert TodoStore.load(path).get(1) == Task(
        1, "renamed", False, ["z"], datetime.date(2030, 1, 2)
    )


def test_load_reads_hand_written_file(tmp_path):
    path = tmp_path / "db.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "next_id": 8,
                "tasks": [
                    {"id": 5, "title": "five", "done": True, "tags": ["t"], "due": None},
                    {"id": 2, "title": "two", "done": False, "tags": [], "due": "2024-02-29"},
                ],
            }
        ),
        encoding="utf-8",
    )
    store = TodoStore.load(path)
    assert [t.id for t in store.tasks()] == [2, 5]
    assert store.get(2).due == datetime.date(2024, 2, 29)
    assert store.add("next").id == 8


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{",
        "42",
        '{"tasks": [], "next_id": 1}',
        '{"version": 3, "next_id": 1, "tasks": []}',
        '{"version": 1, "next_id": 1, "tasks": "none"}',
        '{"version": 1, "next_id": 2, "tasks": [{"id": 1, "title": 5, "done": false,'
        ' "tags": [], "due": null}]}',
        '{"version": 1, "next_id": 2, "tasks": [{"id": 1, "title": "t", "done": "no",'
        ' "tags": [], "due": null}]}',
        '{"version": 1, "next_id": 2, "tasks": [{"id": 1, "title": "t", "done": false,'
        ' "tags": "a", "due": null}]}',
        '{"version": 1, "next_id": 2, "tasks": [{"id": 1, "title": "t", "done": false,'
        ' "tags": [], "due": "someday"}]}',
        '{"version": 1, "next_id": 2, "tasks": [{"id": "1", "title": "t", "done": false,'
        ' "tags": [], "due": null}]}',
    ],
)
def test_load_malformed_raises_store_error(tmp_path, content):
    path = tmp_path / "db.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StoreError):
        TodoStore.load(path)


def test_store_error_is_an_exception():
    assert issubclass(StoreError, Exception)
