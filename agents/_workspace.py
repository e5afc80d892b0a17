"""An agent's workspace: a git repository whose files the agent's tools may touch, and no others.

Paths are workspace-relative. Absolute paths, `..`, the `.git` folder (however it is reached,
symlinks included) and symlinks that lead outside are refused with a `PathRefused` error that the
tools hand back to the agent; so are FIFOs, sockets and devices, which would block or leak.

The host never runs what the agent wrote (DESIGN §5). The sandbox hides `.git` from the agent's
commands where it can; in any case every git call made here ignores the system's and the user's
git configuration, runs with hooks, fsmonitor, filters and submodules off, and is preceded by a
reset of the repository's own configuration, hooks and attributes to what this class wrote, so a
planted `core.fsmonitor`, `include.path` or `.git/hooks/pre-commit` is never honoured.
"""

from __future__ import annotations

import os
import shutil
import stat
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from agents._errors import AgentsError

AUTHOR_NAME = "regenlab agent"
AUTHOR_EMAIL = "agent@regenlab.invalid"
MAX_READ_BYTES = 200_000

# Given to every git call (`git -c ...`): these beat any configuration file, and git passes them
# on to any git it starts itself.
SAFE_GIT_OPTIONS = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    "core.attributesFile=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "credential.helper=",
    "diff.external=",
    "diff.ignoreSubmodules=all",
    "submodule.recurse=false",
    "status.submoduleSummary=false",
    "protocol.allow=never",
    "gc.auto=0",
    "maintenance.auto=false",
    "init.templateDir=",
    "commit.gpgSign=false",
    "tag.gpgSign=false",
    f"user.name={AUTHOR_NAME}",
    f"user.email={AUTHOR_EMAIL}",
)
# The repository configuration this class owns; rewritten before every git call.
_REPO_CONFIG = """\
[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = true
[user]
\tname = {name}
\temail = {email}
[commit]
\tgpgsign = false
"""
# Caches that running code leaves behind are not part of the codebase; this ignore list lives in
# .git, so the codebase itself carries no trace of it.
_EXCLUDE = "__pycache__/\n*.pyc\n.pytest_cache/\n"
# Files in .git through which git would read configuration, code or objects from elsewhere.
_FOREIGN = ("config.worktree", "commondir", "info/attributes", "objects/info/alternates")


class PathRefused(AgentsError, ValueError):
    """A path outside the workspace, into .git, or to something that is not a file or folder."""


class WorkspaceTampered(PathRefused):
    """The workspace's .git is no longer the folder this class made: git is not run on it."""


def git_environment(git_dir: Path, work_tree: Path) -> dict[str, str]:
    """Environment for host git calls: this repository, explicitly; no system or user config."""
    return {
        # Explicit paths: git never goes looking for a repository (or a `.git` file) itself, and
        # a GIT_* variable inherited from the caller's shell cannot point it elsewhere.
        "GIT_DIR": str(git_dir),
        "GIT_WORK_TREE": str(work_tree),
        "GIT_COMMON_DIR": str(git_dir),
        "GIT_INDEX_FILE": str(git_dir / "index"),
        "GIT_OBJECT_DIRECTORY": str(git_dir / "objects"),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": "",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_COUNT": "0",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
    }


@cache
def _repo_class() -> Any:
    """A GitPython Repo whose every git command carries SAFE_GIT_OPTIONS."""
    import git

    class SafeGit(git.Git):
        def __init__(self, working_dir: Any = None) -> None:
            super().__init__(working_dir)
            self.set_persistent_git_options(c=list(SAFE_GIT_OPTIONS))
            if working_dir is not None:
                root = Path(working_dir)
                self.update_environment(**git_environment(root / ".git", root))

    class SafeRepo(git.Repo):
        GitCommandWrapperType = SafeGit

    return SafeRepo


class Workspace:
    """A folder under git; every change is a commit."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.git_dir = self.root / ".git"
        if not os.path.lexists(self.git_dir):
            self._init()
        self.sanitize()
        self.repo = _repo_class()(self.root)

    def _init(self) -> None:
        import git

        # Not through SafeGit's environment: GIT_DIR would name a folder that does not exist yet.
        command = git.Git(self.root)
        command.set_persistent_git_options(c=list(SAFE_GIT_OPTIONS))
        env = git_environment(self.git_dir, self.root)
        command.update_environment(**{k: v for k, v in env.items() if k.startswith("GIT_CONFIG")})
        command.init("--quiet", str(self.root))

    def sanitize(self) -> None:
        """Put .git's configuration, hooks and attributes back to what this class wrote."""
        info = os.lstat(self.git_dir) if os.path.lexists(self.git_dir) else None
        if info is None or not stat.S_ISDIR(info.st_mode):
            raise WorkspaceTampered(
                f"{self.git_dir} is no longer a folder (replaced by a command run in the "
                "workspace?); no git command is run on it"
            )
        (self.git_dir / "config").write_text(
            _REPO_CONFIG.format(name=AUTHOR_NAME, email=AUTHOR_EMAIL), encoding="utf-8"
        )
        hooks = self.git_dir / "hooks"
        if os.path.lexists(hooks):
            _remove(hooks)
        hooks.mkdir()
        for name in _FOREIGN:
            if os.path.lexists(self.git_dir / name):
                _remove(self.git_dir / name)
        (self.git_dir / "info").mkdir(exist_ok=True)
        (self.git_dir / "info" / "exclude").write_text(_EXCLUDE, encoding="utf-8")

    def resolve(self, path: str) -> Path:
        """The real path of a workspace-relative `path`, or PathRefused."""
        if not path or "\x00" in path:
            raise PathRefused("give a path relative to the workspace, e.g. src/app.py")
        pure = PurePosixPath(path)
        if pure.is_absolute():
            raise PathRefused(f"{path!r} is absolute; paths are relative to the workspace")
        if ".." in pure.parts:
            raise PathRefused(f"{path!r} leaves the workspace ('..' is not allowed)")
        if any(set(part) == {"."} for part in pure.parts if part != "."):
            raise PathRefused(f"{path!r}: a name made only of dots is not a usable file name")
        target = (self.root / pure).resolve()
        if target != self.root and self.root not in target.parents:
            raise PathRefused(f"{path!r} leads outside the workspace through a symlink")
        # Checked after resolving: a symlink to .git is as much .git as the folder itself.
        if target == self.git_dir or self.git_dir in target.parents:
            raise PathRefused(f"{path!r} is inside .git, which the tools do not touch")
        return target

    def write(self, path: str, content: str, message: str) -> str | None:
        """Write a text file and commit it; returns the commit's short sha (None: unchanged)."""
        target = self.resolve(path)
        if target.is_dir():
            raise PathRefused(f"{path!r} is a folder")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise PathRefused(f"{path!r}: a part of it is a file, not a folder") from exc
        data = content.encode("utf-8")
        with _open_regular(target, path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) as fd:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        return self.commit([target], message)

    def read(self, path: str) -> str:
        """A text file's content (the first MAX_READ_BYTES)."""
        target = self.resolve(path)
        if not os.path.lexists(target) or target.is_dir():
            raise FileNotFoundError(f"{path!r} does not exist")
        with _open_regular(target, path, os.O_RDONLY) as fd:
            data = os.read(fd, MAX_READ_BYTES)
        return data.decode("utf-8", errors="replace")

    def delete(self, path: str, message: str) -> str | None:
        """Delete a file and commit; returns the commit's short sha."""
        target = self.resolve(path)
        if not os.path.lexists(target) or target.is_dir():
            raise FileNotFoundError(f"{path!r} does not exist")
        target.unlink()
        return self.commit([target], message)

    def files(self, folder: str = ".") -> list[str]:
        """Workspace-relative paths of the files under `folder` (never .git)."""
        base = self.root if folder in ("", ".") else self.resolve(folder)
        if not base.is_dir():
            raise FileNotFoundError(f"{folder!r} is not a folder")
        found = []
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(self.root)
            if relative.parts[0] != ".git" and (path.is_file() or path.is_symlink()):
                found.append(relative.as_posix())
        return found

    def commit(self, paths: list[Path], message: str) -> str | None:
        """Stage `paths` (added, changed or deleted) and commit them; None if nothing changed."""
        relative = [p.relative_to(self.root).as_posix() for p in paths]
        return self._commit(["--", *relative], message)

    def commit_all(self, message: str) -> str | None:
        """Commit whatever changed in the workspace (e.g. files made by a `run` command)."""
        return self._commit([], message)

    def discard_changes(self) -> None:
        """Put the workspace back to its last commit: changed files restored, new ones removed."""
        self.sanitize()
        if self.repo.head.is_valid():
            self.repo.git.reset("--hard", "--quiet")
        self.repo.git.clean("-d", "-x", "--force", "--quiet")

    def _commit(self, pathspec: list[str], message: str) -> str | None:
        import git

        self.sanitize()
        self.repo.git.add("--all", *pathspec)
        try:
            self.repo.git.commit("--no-verify", "--quiet", "-m", message)
        except git.GitCommandError as exc:
            # Nothing staged: git says so and exits 1 (GitPython runs git in the C locale).
            if exc.status == 1 and "nothing" in f"{exc.stdout}{exc.stderr}":
                return None
            raise
        return str(self.repo.head.commit.hexsha[:8])

    def log(self) -> list[str]:
        """Commit messages, oldest first."""
        self.sanitize()
        if not self.repo.head.is_valid():
            return []
        return [str(c.message).strip() for c in reversed(list(self.repo.iter_commits()))]


class _open_regular:  # lower case: used as a context manager, like `open`
    """An fd for a regular file only: never blocks on a FIFO, never follows a final symlink."""

    def __init__(self, target: Path, path: str, flags: int) -> None:
        self.target, self.path = target, path
        self.flags = flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        self.fd = -1

    def __enter__(self) -> int:
        if os.path.lexists(self.target) and not stat.S_ISREG(os.lstat(self.target).st_mode):
            raise PathRefused(_not_a_file(self.path))
        try:
            self.fd = os.open(self.target, self.flags, 0o644)
        except OSError as exc:
            raise PathRefused(f"{self.path!r} cannot be opened ({exc.strerror})") from exc
        if not stat.S_ISREG(os.fstat(self.fd).st_mode):
            os.close(self.fd)
            raise PathRefused(_not_a_file(self.path))
        # O_NONBLOCK only kept a FIFO from blocking the open; a file's reads and writes are whole.
        os.set_blocking(self.fd, True)
        return self.fd

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)


def _not_a_file(path: str) -> str:
    return f"{path!r} is not a regular file (a FIFO, socket or device); the tools use files only"


def _remove(path: Path) -> None:
    """Remove a file, a symlink (not its target) or a folder tree."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
