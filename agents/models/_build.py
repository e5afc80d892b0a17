"""Whether the installed llama.cpp can run on this CPU, checked before it is loaded.

A llama.cpp built for instructions the CPU lacks dies of SIGILL, with no message, the moment it
uses one. Two checks stand in front of that: the build flags `scripts/setup` recorded beside the
virtualenv are compared with /proc/cpuinfo (instant), and a subprocess runs a tiny generation
once per build, CPU and model (cached), so a crash kills the probe rather than the caller.
`python -m agents.models._build` is the check `scripts/setup` runs after installing.
"""

from __future__ import annotations

import hashlib
import json
import platform
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from agents._errors import PrerequisiteError
from agents.models._cpu import CPUINFO, build_key, built_for, missing_features
from agents.models._weights import cache_dir

BUILD_FILE = "regenlab-llama-build"
"""File in the virtualenv (sys.prefix) holding the CMAKE_ARGS llama-cpp-python was built with."""
_PROBE_TIMEOUT_S = 300.0

# The probe: load the model and generate a few tokens, in a child process.
_PROBE = """
import json, sys, time
from llama_cpp import Llama
llama = Llama(model_path=sys.argv[1], n_ctx=256, verbose=False)
started = time.perf_counter()
out = llama.create_completion("def add(a, b):", max_tokens=int(sys.argv[2]), temperature=0.0)
print(json.dumps({"tokens": out["usage"]["completion_tokens"],
                  "seconds": time.perf_counter() - started}))
"""


@dataclass(frozen=True)
class ProbeResult:
    """How a test generation in a subprocess went."""

    tokens: int
    """Tokens generated."""
    seconds: float
    """Seconds the generation took (loading excluded)."""


def recorded_build(prefix: Path | None = None) -> str | None:
    """The CMAKE_ARGS recorded by scripts/setup, or None for a llama-cpp-python built otherwise."""
    path = Path(prefix or sys.prefix) / BUILD_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def wheel_folder(cmake_args: str, machine: str | None = None) -> Path:
    """Where scripts/setup keeps the wheel of the installed llama-cpp-python built with
    `cmake_args` (named by its version and build key)."""
    try:
        version = metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        version = "VERSION"
    key = build_key(cmake_args, machine or platform.machine())
    return cache_dir() / "wheels" / f"llama-cpp-python-{version}-{key}"


def check_build(built: str | None, cpuinfo: str, machine: str | None = None) -> None:
    """Raise PrerequisiteError when the build uses instructions this CPU lacks."""
    if built is None:
        return
    missing = missing_features(built, cpuinfo, machine)
    if missing:
        raise PrerequisiteError(
            f"llama-cpp-python in {sys.prefix} was built for {', '.join(missing)}, which this "
            f"CPU lacks (it would die of SIGILL): rerun scripts/setup, which builds llama.cpp "
            f"for this CPU (the wheel for the old CPU stays in {wheel_folder(built, machine)})"
        )


class ProbeFailed(RuntimeError):
    """The test generation failed for another reason than an illegal instruction."""


def probe(model: Path, *, tokens: int = 4, command: list[str] | None = None) -> ProbeResult:
    """A test generation in a subprocess.

    A child killed by SIGILL is a PrerequisiteError naming the fix; any other failure is
    ProbeFailed with the end of its output. `command` replaces the probe's own (tests use it
    to stand in for a crash).
    """
    argv = command or [sys.executable, "-c", _PROBE, str(model), str(tokens)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ProbeFailed(f"no result within {_PROBE_TIMEOUT_S:.0f} s") from exc
    if done.returncode == -signal.SIGILL:
        raise PrerequisiteError(_sigill_message())
    tail = (done.stderr.strip().splitlines() or [""])[-1][:300]
    if done.returncode != 0:
        raise ProbeFailed(f"exit code {done.returncode}: {tail}")
    try:
        data = json.loads(done.stdout.strip().splitlines()[-1])
        return ProbeResult(tokens=int(data["tokens"]), seconds=float(data["seconds"]))
    except (IndexError, KeyError, ValueError) as exc:
        raise ProbeFailed(f"unreadable result {done.stdout[-200:]!r}") from exc


def _sigill_message() -> str:
    built = recorded_build()
    what = f"llama.cpp built for {built_for(built).label}" if built else "llama.cpp"
    rebuild = f"rm -rf {wheel_folder(built)} && scripts/setup" if built else "scripts/setup"
    return (
        f"{what} died of SIGILL (an illegal instruction) on this CPU: the CPU or its VM refuses "
        f"an instruction the build uses. Rebuild it for this CPU: {rebuild}"
    )


_checked: set[Path] = set()
_checked_lock = threading.Lock()


def ensure_runs(model: Path) -> None:
    """Check, once per process and model, that llama.cpp can run `model` on this CPU.

    The flags check runs every time; the subprocess probe once per build, CPU and model file
    (its success is remembered in the cache).
    """
    with _checked_lock:
        if model in _checked:
            return
        cpuinfo = CPUINFO.read_text(errors="replace") if CPUINFO.exists() else ""
        check_build(recorded_build(), cpuinfo)
        stamp = _probe_stamp(model, cpuinfo)
        if not stamp.exists():
            try:
                probe(model)
            except ProbeFailed:
                # Not a CPU problem: loading the model in-process will raise the real error.
                return
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(f"{time.time()}\n", encoding="utf-8")
        _checked.add(model)


def _probe_stamp(model: Path, cpuinfo: str) -> Path:
    """A file whose existence says the probe passed for this build, CPU and model."""
    flags = next((line for line in cpuinfo.splitlines() if line.startswith("flags")), "")
    library = _library_signature()
    size = model.stat().st_size if model.exists() else 0
    key = "\n".join([recorded_build() or "", flags, library, model.name, str(size)])
    return cache_dir() / "llama-probes" / hashlib.sha256(key.encode()).hexdigest()[:24]


def _library_signature() -> str:
    """Which llama.cpp library is installed: its path, size and modification time."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        return ""
    folder = Path(spec.origin).parent / "lib"
    parts = [
        f"{lib.name}:{lib.stat().st_size}:{lib.stat().st_mtime_ns}"
        for lib in sorted(folder.glob("*.so"))
    ]
    return ";".join(parts)
