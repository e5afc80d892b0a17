"""Handing a folder tree to the unprivileged sandbox user for one run, then back."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

SANDBOX_UID = 65534
"""The `nobody` user: what sandboxed commands run as when the caller is root."""


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """chown a tree without following symlinks (a link planted inside never redirects us)."""
    os.chown(root, uid, gid, follow_symlinks=False)
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in (*dirs, *files):
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


@contextmanager
def lent_to_sandbox_user(paths: Sequence[Path]) -> Iterator[None]:
    """Make `paths` writable by the sandbox user during the block; restore owners after."""
    owners = [(path, path.stat().st_uid, path.stat().st_gid) for path in paths]
    try:
        for path in paths:
            chown_tree(path, SANDBOX_UID, SANDBOX_UID)
        yield
    finally:
        for path, uid, gid in owners:
            chown_tree(path, uid, gid)
