"""Who a root caller's sandboxed command runs as, and lending it the folders it writes.

RLIMIT_NPROC counts the processes of a user, not of a run: if every run were the same user,
one run holding many processes would leave a concurrent run unable to fork. So a root caller's
bwrap runs each lease a uid of their own from a pool, held with a file lock, so that runs in
other processes of this machine never take the same uid at the same time.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sandbox._types import SandboxError

SANDBOX_UID = 65534
"""The `nobody` user: what a root caller's Docker containers run as."""

SANDBOX_UIDS = range(4_000_000_000, 4_000_000_128)
"""The pool a root caller's bwrap runs lease their uid (and gid) from; far above any real user."""

_POLL_S = 0.05
_last_leased = -1
_last_leased_lock = threading.Lock()


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """chown a tree without following symlinks (a link planted inside never redirects us)."""
    os.chown(root, uid, gid, follow_symlinks=False)
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in (*dirs, *files):
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


@contextmanager
def lent_to_sandbox_user(paths: Sequence[Path], uid: int = SANDBOX_UID) -> Iterator[None]:
    """Make `paths` owned by `uid` (group `uid` too) during the block; restore owners after."""
    owners = [(path, path.stat().st_uid, path.stat().st_gid) for path in paths]
    try:
        for path in paths:
            chown_tree(path, uid, uid)
        yield
    finally:
        for path, old_uid, old_gid in owners:
            chown_tree(path, old_uid, old_gid)


@contextmanager
def leased_uid() -> Iterator[int]:
    """A uid of `SANDBOX_UIDS` that no other run on this machine holds, for the block."""
    folder = state_folder()
    while (lease := _try_lease(folder)) is None:
        time.sleep(_POLL_S)
    uid, lock = lease
    try:
        yield uid
    finally:
        os.close(lock)


def _try_lease(folder: Path) -> tuple[int, int] | None:
    """(uid, the fd holding its lock) for a free uid, or None when all are taken."""
    global _last_leased
    # Start past the last uid leased here: a just-ended run's killed processes may still count.
    with _last_leased_lock:
        start = _last_leased + 1
    for step in range(len(SANDBOX_UIDS)):
        index = (start + step) % len(SANDBOX_UIDS)
        lock = os.open(folder / f"{index}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            continue
        with _last_leased_lock:
            _last_leased = index
        return SANDBOX_UIDS[index], lock
    return None


@cache
def state_folder() -> Path:
    """A folder only this (root) user may write, for the uid locks and the user database."""
    folder = Path(tempfile.gettempdir()) / "regenlab-sandbox-users"
    folder.mkdir(mode=0o755, exist_ok=True)
    info = folder.lstat()
    if folder.is_symlink() or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise SandboxError(f"{folder} is not a folder that only this user can write: remove it")
    return folder


@cache
def user_database() -> Path:
    """A folder with this machine's passwd and group, plus an entry for each pooled uid.

    Bound over /etc/passwd and /etc/group inside the sandbox, so that tools that look up the
    current user (getpass, `id`, pytest's tmp_path) find a name for a pooled uid.
    """
    folder = state_folder()
    for name, entry in (
        ("passwd", "regenlab-sandbox-{n}:x:{uid}:{uid}::/tmp:/usr/sbin/nologin"),
        ("group", "regenlab-sandbox-{n}:x:{uid}:"),
    ):
        host = Path("/etc", name)
        lines = host.read_text().splitlines() if host.exists() else []
        lines += [entry.format(n=n, uid=uid) for n, uid in enumerate(SANDBOX_UIDS)]
        _write_atomically(folder / name, "\n".join(lines) + "\n")
    return folder


def _write_atomically(path: Path, text: str) -> None:
    """Write by rename, so a run that reads the file at the same time sees all or none of it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    partial.write_text(text)
    os.chmod(partial, 0o644)
    os.replace(partial, path)
