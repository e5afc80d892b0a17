import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import todo
from todo import main


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("TODO_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "tasks.json"


@pytest.fixture
def run(db, capsys):
    def _run(*args):
        code = main(["--db", str(db), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def write_db(path, tasks, next_id=None):
    data = {
        "version": 1,
        "next_id": next_id if next_id is not None else max([t["id"] for t in tasks], default=0) + 1,
        "tasks": tasks,
    }
    path.write_text(json.dumps(data), encoding="utf-8")


def task(id, title, done=False, tags=(), due=None):
    return {"id": id, "title": title, "done": done, "tags": list(tags), "due": due}


def test_add_prints_and_writes_file(run, db):
    code, out, err = run("add", "Buy milk", "--tag", "home", "--due", "2024-05-01")
    assert (code, out, err) == (0, "Added task 1: Buy milk\n", "")
    assert json.loads(db.read_text(encoding="utf-8")) == {
        "version": 1,
        "next_id": 2,
        "tasks": [task(1, "Buy milk", tags=["home"], due="2024-05-01")],
    }


def test_add_strips_title_and_dedupes_tags(run, db):
    code, out, _ = run("add", "  Call Bob  ", "--tag", "b", "--tag", "a", "--tag", "b")
    assert code == 0
    assert out == "Added task 1: Call Bob\n"
    stored = json.loads(db.read_text(encoding="utf-8"))["tasks"][0]
    assert stored == task(1, "Call Bob", tags=["b", "a"])


def test_ids_increase_and_are_never_reused(run, db):
    assert run("add", "one")[1] == "Added task 1: one\n"
    assert run("add", "two")[1] == "Added task 2: two\n"
    assert run("remove", "2")[0] == 0
    assert run("add", "three")[1] == "Added task 3: three\n"
    assert json.loads(db.read_text(encoding="utf-8"))["next_id"] == 4


def test_list_format(run, db):
    write_db(
        db,
        [
            task(1, "Buy milk", tags=["home", "errand"], due="2024-05-01"),
            task(2, "Call Bob", done=True),
            task(3, "Plain"),
            task(4, "Tagged only", tags=["work"]),
            task(5, "Due only", due="2023-12-31"),
        ],
    )
    code, out, err = run("list", "--status", "all")
    assert code == 0
    assert err == ""
    assert out == (
        "1. [ ] Buy milk (due 2024-05-01) #home #errand\n"
        "2. [x] Call Bob\n"
        "3. [ ] Plain\n"
        "4. [ ] Tagged only #work\n"
        "5. [ ] Due only (due 2023-12-31)\n"
    )


def test_list_sorted_by_id(run, db):
    write_db(db, [task(7, "seven"), task(2, "two"), task(4, "four")], next_id=8)
    assert run("list")[1] == "2. [ ] two\n4. [ ] four\n7. [ ] seven\n"


def test_list_status_filter(run, db):
    write_db(db, [task(1, "open one"), task(2, "closed", done=True), task(3, "open two")])
    assert run("list")[1] == "1. [ ] open one\n3. [ ] open two\n"
    assert run("list", "--status", "open")[1] == "1. [ ] open one\n3. [ ] open two\n"
    assert run("list", "--status", "done")[1] == "2. [x] closed\n"
    assert run("list", "--status", "all")[1].count("\n") == 3


def test_list_tag_filter(run, db):
    write_db(
        db,
        [
            task(1, "a", tags=["work", "urgent"]),
            task(2, "b", tags=["work"]),
            task(3, "c", tags=["Work"]),
            task(4, "d"),
        ],
    )
    assert run("list", "--tag", "work")[1] == "1. [ ] a #work #urgent\n2. [ ] b #work\n"
    assert run("list", "--tag", "work", "--tag", "urgent")[1] == "1. [ ] a #work #urgent\n"
    assert run("list", "--tag", "Work")[1] == "3. [ ] c #Work\n"


def test_list_due_by_is_inclusive_and_skips_undated(run, db):
    write_db(
        db,
        [
            task(1, "early", due="2024-04-30"),
            task(2, "edge", due="2024-05-01"),
            task(3, "late", due="2024-05-02"),
            task(4, "undated"),
            task(5, "done early", done=True, due="2024-01-01"),
        ],
    )
    code, out, _ = run("list", "--due-by", "2024-05-01")
    assert code == 0
    assert out == "1. [ ] early (due 2024-04-30)\n2. [ ] edge (due 2024-05-01)\n"
    out_all = run("list", "--due-by", "2024-05-01", "--status", "all")[1]
    assert "5. [x] done early (due 2024-01-01)\n" in out_all


def test_list_without_matches_prints_no_tasks(run, db):
    write_db(db, [task(1, "closed", done=True)])
    assert run("list") == (0, "No tasks.\n", "")
    assert run("list", "--status", "all", "--tag", "nope") == (0, "No tasks.\n", "")


def test_list_on_missing_db_does_not_create_it(run, db):
    assert run("list") == (0, "No tasks.\n", "")
    assert not db.exists()


def test_done_marks_tasks_in_given_order(run, db):
    write_db(db, [task(1, "one"), task(2, "two"), task(3, "three")])
    code, out, _ = run("done", "3", "1")
    assert code == 0
    assert out == "Completed task 3: three\nCompleted task 1: one\n"
    assert run("list")[1] == "2. [ ] two\n"
    stored = {t["id"]: t["done"] for t in json.loads(db.read_text(encoding="utf-8"))["tasks"]}
    assert stored == {1: True, 2: False, 3: True}


def test_done_is_idempotent(run, db):
    write_db(db, [task(1, "one", done=True)])
    assert run("done", "1") == (0, "Completed task 1: one\n", "")


def test_done_with_missing_id_changes_nothing(run, db):
    write_db(db, [task(1, "one"), task(2, "two")])
    before = db.read_bytes()
    code, out, err = run("done", "1", "9")
    assert code == 1
    assert out == ""
    assert err.startswith("error: ")
    assert "no task with id 9" in err
    assert db.read_bytes() == before


def test_remove(run, db):
    write_db(db, [task(1, "one"), task(2, "two"), task(3, "three")])
    code, out, _ = run("remove", "2", "1")
    assert code == 0
    assert out == "Removed task 2: two\nRemoved task 1: one\n"
    assert run("list", "--status", "all")[1] == "3. [ ] three\n"


def test_remove_with_missing_id_changes_nothing(run, db):
    write_db(db, [task(1, "one")])
    before = db.read_bytes()
    code, out, err = run("remove", "5", "1")
    assert code == 1
    assert out == ""
    assert err == "error: no task with id 5\n"
    assert db.read_bytes() == before


def test_edit_title_and_tags(run, db):
    write_db(db, [task(1, "old", tags=["a", "b"], due="2024-01-01")])
    code, out, _ = run(
        "edit",
        "1",
        "--title",
        " new title ",
        "--add-tag",
        "c",
        "--add-tag",
        "a",
        "--remove-tag",
        "b",
        "--remove-tag",
        "zzz",
    )
    assert code == 0
    assert out == "Updated task 1: new title\n"
    stored = json.loads(db.read_text(encoding="utf-8"))["tasks"][0]
    assert stored == task(1, "new title", tags=["a", "c"], due="2024-01-01")


def test_edit_due_and_no_due(run, db):
    write_db(db, [task(1, "one"), task(2, "two", due="2024-01-01")])
    assert run("edit", "1", "--due", "2025-02-28")[0] == 0
    assert run("edit", "2", "--no-due")[0] == 0
    assert run("list")[1] == "1. [ ] one (due 2025-02-28)\n2. [ ] two\n"


def test_edit_open_reopens_done_task(run, db):
    write_db(db, [task(1, "one", done=True)])
    assert run("edit", "1", "--open") == (0, "Updated task 1: one\n", "")
    assert run("list")[1] == "1. [ ] one\n"


def test_edit_missing_id(run, db):
    write_db(db, [task(1, "one")])
    before = db.read_bytes()
    code, out, err = run("edit", "4", "--title", "x")
    assert (code, out) == (1, "")
    assert err == "error: no task with id 4\n"
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ["edit", "1"],
        ["edit", "1", "--due", "2024-01-01", "--no-due"],
        ["edit", "1", "--title", "   "],
        ["edit", "1", "--add-tag", "two words"],
        ["edit", "1", "--due", "2024-13-01"],
        ["edit", "x", "--open"],
    ],
)
def test_edit_invalid_input_exits_2(run, db, args):
    write_db(db, [task(1, "one", done=True)])
    before = db.read_bytes()
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err != ""
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ["add", "   "],
        ["add", ""],
        ["add", "ok", "--tag", "two words"],
        ["add", "ok", "--tag", ""],
        ["add", "ok", "--due", "2024-02-30"],
        ["add", "ok", "--due", "05/01/2024"],
        ["add", "ok", "--due", "tomorrow"],
        ["add"],
    ],
)
def test_add_invalid_input_exits_2_and_creates_nothing(run, db, args):
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err != ""
    assert not db.exists()


@pytest.mark.parametrize(
    "args",
    [[], ["frobnicate"], ["done"], ["done", "abc"], ["remove", "1.5"], ["list", "--status", "x"]],
)
def test_usage_errors_return_2_without_raising(run, db, args):
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err != ""


@pytest.mark.parametrize(
    "content",
    [
        "this is not json",
        "[]",
        '{"next_id": 1, "tasks": []}',
        '{"version": 2, "next_id": 1, "tasks": []}',
        '{"version": "1", "next_id": 1, "tasks": []}',
        '{"version": 1, "next_id": 2, "tasks": [{"id": 1}]}',
        '{"version": 1, "next_id": 2, "tasks": {"1": "x"}}',
        '{"version": 1, "next_id": 2, "tasks": [{"id": 1, "title": "t", "done": false,'
        ' "tags": [], "due": "2024-99-01"}]}',
    ],
)
def test_corrupt_database_exits_2(run, db, content):
    db.write_text(content, encoding="utf-8")
    code, out, err = run("list")
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert str(db) in err


def test_corrupt_database_is_not_overwritten(run, db):
    db.write_text("{broken", encoding="utf-8")
    for args in (["add", "new"], ["done", "1"], ["remove", "1"], ["edit", "1", "--open"]):
        code, out, err = run(*args)
        assert code == 2
        assert out == ""
        assert err.startswith("error: ")
    assert db.read_text(encoding="utf-8") == "{broken"


def test_hand_written_database_keeps_next_id(run, db):
    write_db(db, [task(3, "three", tags=["x"])], next_id=10)
    assert run("add", "ten")[1] == "Added task 10: ten\n"
    assert run("list")[1] == "3. [ ] three #x\n10. [ ] ten\n"


def test_env_variable_selects_database(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    env_db = tmp_path / "from_env.json"
    monkeypatch.setenv("TODO_DB", str(env_db))
    assert main(["add", "via env"]) == 0
    assert env_db.exists()
    assert not (tmp_path / "todo.json").exists()
    capsys.readouterr()
    assert main(["list"]) == 0
    assert capsys.readouterr().out == "1. [ ] via env\n"


def test_db_option_overrides_env_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    env_db = tmp_path / "env.json"
    opt_db = tmp_path / "opt.json"
    monkeypatch.setenv("TODO_DB", str(env_db))
    assert main(["--db", str(opt_db), "add", "via option"]) == 0
    assert opt_db.exists()
    assert not env_db.exists()


def test_default_database_in_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TODO_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["add", "default"]) == 0
    data = json.loads((tmp_path / "todo.json").read_text(encoding="utf-8"))
    assert data["tasks"][0]["title"] == "default"


def test_python_dash_m_runs_the_cli(tmp_path):
    package_root = Path(todo.__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "TODO_DB"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package_root), env.get("PYTHONPATH")]))
    db = tmp_path / "m.json"

    def run_module(*args):
        return subprocess.run(
            [sys.executable, "-m", "todo", "--db", str(db), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=30,
        )

    added = run_module("add", "From module")
    assert (added.returncode, added.stdout) == (0, "Added task 1: From module\n")
    missing = run_module("done", "42")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: ")
