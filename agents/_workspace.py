"""An agent's workspace: a git repository whose files the agent's tools may touch, and no others.

Paths are workspace-relative. Absolute paths, `..`, the `.git` folder and symlinks that lead
outside are refused with a `PathRefused` error that the tools hand back to the agent.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

AUTHOR_NAME = "regenlab agent"
AUTHOR_EMAIL = "agent@regenlab.invalid"
MAX_READ_BYTES = 200_000


class PathRefused(ValueError):
    """A path outside the workspace (or into .git): the message says why."""


class Workspace:
    """A folder under git; every change is a commit."""

    def __init__(self, root: Path) -> None:
        import git

        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        is_repo = (self.root / ".git").exists()
        self.repo = git.Repo(self.root) if is_repo else git.Repo.init(self.root)
        with self.repo.config_writer() as config:
            config.set_value("user", "name", AUTHOR_NAME)
            config.set_value("user", "email", AUTHOR_EMAIL)
            config.set_value("commit", "gpgsign", "false")
        # Caches that running code leaves behind are not part of the codebase; this ignore list
        # lives in .git, so the codebase itself carries no trace of it.
        (self.root / ".git" / "info").mkdir(exist_ok=True)
        (self.root / ".git" / "info" / "exclude").write_text(
            "__pycache__/\n*.pyc\n.pytest_cache/\n", encoding="utf-8"
        )

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
        if pure.parts and pure.parts[0] == ".git":
            raise PathRefused(f"{path!r} is inside .git, which the tools do not touch")
        target = (self.root / pure).resolve()
        if target != self.root and self.root not in target.parents:
            raise PathRefused(f"{path!r} leads outside the workspace through a symlink")
        return target

    def write(self, path: str, content: str, message: str) -> str | None:
        """Write a text file and commit it; returns the commit's short sha (None: unchanged)."""
        target = self.resolve(path)
        if target.is_dir():
            raise PathRefused(f"{path!r} is a folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        return self.commit([target], message)

    def read(self, path: str) -> str:
        """A text file's content (the first MAX_READ_BYTES)."""
        target = self.resolve(path)
        if not target.is_file():
            raise FileNotFoundError(f"{path!r} does not exist")
        data = target.read_bytes()[:MAX_READ_BYTES]
        return data.decode("utf-8", errors="replace")

    def delete(self, path: str, message: str) -> str | None:
        """Delete a file and commit; returns the commit's short sha."""
        target = self.resolve(path)
        if not target.is_file():
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

    def _commit(self, pathspec: list[str], message: str) -> str | None:
        self.repo.git.add("--all", *pathspec)
        if not self.repo.git.status("--porcelain", *pathspec).strip():
            return None
        self.repo.git.commit("-m", message)
        return self.repo.head.commit.hexsha[:8]

    def log(self) -> list[str]:
        """Commit messages, oldest first."""
        if not self.repo.head.is_valid():
            return []
        return [str(c.message).strip() for c in reversed(list(self.repo.iter_commits()))]
