"""The uid a root caller's bwrap run leases from the pool, and the files that name it."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from sandbox import SandboxError, _owner
from sandbox._owner import SANDBOX_UIDS, leased_uid, state_folder, user_database

# Holds a lease in another process until its stdin closes.
HOLDER = """
import pathlib, sys
from sandbox import _owner
_owner.state_folder = lambda: pathlib.Path(sys.argv[1])
with _owner.leased_uid() as uid:
    print(uid, flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(_owner, "state_folder", lambda: tmp_path)
    return tmp_path


def test_runs_at_once_lease_different_uids(folder: Path) -> None:
    with leased_uid() as first, leased_uid() as second:
        assert first != second and {first, second} <= set(SANDBOX_UIDS)
    with leased_uid() as again:
        assert again in SANDBOX_UIDS


def test_a_uid_held_by_another_process_is_not_leased_until_it_lets_go(folder: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    assert holder.stdout is not None and holder.stdin is not None
    held = int(holder.stdout.readline())
    with ExitStack() as stack:
        others = {stack.enter_context(leased_uid()) for _ in range(len(SANDBOX_UIDS) - 1)}
        assert held not in others and len(others) == len(SANDBOX_UIDS) - 1
        holder.stdin.close()
        holder.wait(timeout=30)
        assert stack.enter_context(leased_uid()) == held


def test_the_state_folder_must_be_writable_by_this_user_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    planted = tmp_path / "regenlab-sandbox-users"
    planted.mkdir()
    planted.chmod(0o777)
    with pytest.raises(SandboxError, match="remove it"):
        state_folder.__wrapped__()


def test_the_user_database_names_every_pooled_uid(folder: Path) -> None:
    database = user_database.__wrapped__()
    passwd = (database / "passwd").read_text().splitlines()
    group = (database / "group").read_text().splitlines()
    host = Path("/etc/passwd").read_text().splitlines() if Path("/etc/passwd").exists() else []
    assert passwd[: len(host)] == host
    for lines in (passwd, group):
        named = {int(line.split(":")[2]) for line in lines[len(lines) - len(SANDBOX_UIDS) :]}
        assert named == set(SANDBOX_UIDS)
