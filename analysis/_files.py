"""Reading a codebase for analysis: its Python files, and the files skipped with a reason."""

from __future__ import annotations

import ast
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from analysis._ast import parse

MAX_FILE_BYTES = 2_000_000
"""Larger files are skipped (generated data, vendored bundles), with a note."""
SKIPPED_DIRS = frozenset(
    {
        ".git",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".venv",
        "venv",
        "node_modules",
        ".tox",
        "build",
        "dist",
        ".eggs",
    }
)


@dataclass(frozen=True)
class SourceFile:
    """A Python source file of a codebase."""

    path: str
    """Path relative to the codebase root, with forward slashes."""
    text: str
    """The file's text (UTF-8)."""

    @property
    def lines(self) -> int:
        """Number of lines."""
        return len(self.text.splitlines())

    def tree(self) -> ast.Module:
        """The file's syntax tree, parsed once and shared by structure, metrics and similarity
        (none of them changes it); a file that does not parse raises the same error each time."""
        parsed = self.__dict__.get("_parsed")
        if parsed is None:
            parsed = _parse(self.text, self.path)
            self.__dict__["_parsed"] = parsed  # a frozen dataclass: cached past __setattr__
        if isinstance(parsed, BaseException):
            raise parsed
        return parsed


def _parse(text: str, path: str) -> ast.Module | BaseException:
    """The tree of `text`, or the error parsing it raised (kept, to raise again)."""
    try:
        # Generated code often has invalid escape sequences; their warnings are noise here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return error


@dataclass(frozen=True)
class Codebase:
    """The files of one folder, as the analysis sees them."""

    root: Path
    python: dict[str, SourceFile] = field(default_factory=dict)
    """Python files by relative path."""
    other: tuple[str, ...] = ()
    """Relative paths of the other files (for the file tree diff)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Files left out of the analysis, with the reason (binary, too large, not UTF-8, a link,
    not a regular file)."""

    @property
    def paths(self) -> list[str]:
        """Every file path, Python or not, sorted."""
        return sorted([*self.python, *self.other, *self.skipped])

    @property
    def lines(self) -> int:
        """Lines of Python."""
        return sum(f.lines for f in self.python.values())


def load_codebase(root: Path) -> Codebase:
    """Read every file under `root`, skipping VCS, caches and virtualenvs."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    python: dict[str, SourceFile] = {}
    other: list[str] = []
    skipped: dict[str, str] = {}
    for path in _walk(root):
        relative = path.relative_to(root).as_posix()
        reason = _skip_reason(path)
        if reason is not None:
            skipped[relative] = reason
        elif path.suffix == ".py":
            try:
                python[relative] = SourceFile(relative, path.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                skipped[relative] = "not UTF-8 text"
        else:
            other.append(relative)
    return Codebase(root, dict(sorted(python.items())), tuple(sorted(other)), skipped)


def _walk(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        found += [Path(folder) / name for name in sorted(files) if not name.endswith(".pyc")]
    return found


_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _skip_reason(path: Path) -> str | None:
    # lstat, and nothing opened before the file is known to be regular: reading a named pipe
    # blocks for ever, and a link may point anywhere, outside the folder included.
    info = path.lstat()
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link (not followed)"
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _SPECIAL_FILES if test(mode)), "special")
        return f"not a regular file ({kind})"
    size = info.st_size
    if size > MAX_FILE_BYTES:
        return f"too large ({size} bytes > {MAX_FILE_BYTES})"
    with path.open("rb") as stream:
        if b"\x00" in stream.read(8192):
            return "binary"
    return None
