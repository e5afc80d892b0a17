"""The llama.cpp CPU build that fits this machine, read from /proc/cpuinfo.

Machines of one kind differ: some Intel hosts advertise AMX that the VM forbids, some AMD hosts have
AVX-512 and some only AVX2. A build must use exactly the instructions the CPU it runs on has, so the
flags are derived here, AMX always off. This file imports only the standard library:
`scripts/setup` runs it with the system Python before the virtualenv exists
(`python3 agents/models/_cpu.py cmake-args`).
"""

from __future__ import annotations

import hashlib
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")

# (ggml CMake option, the /proc/cpuinfo flags it needs), in ggml's order.
_X86_OPTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("GGML_SSE42", ("sse4_2",)),
    ("GGML_AVX", ("avx",)),
    ("GGML_F16C", ("f16c",)),
    ("GGML_FMA", ("fma",)),
    ("GGML_AVX2", ("avx2",)),
    ("GGML_BMI2", ("bmi2",)),
    ("GGML_AVX_VNNI", ("avx_vnni",)),
    # ggml's AVX512 option compiles with -mavx512f -mavx512cd -mavx512vl -mavx512dq -mavx512bw.
    ("GGML_AVX512", ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")),
    ("GGML_AVX512_VBMI", ("avx512f", "avx512vbmi")),
    ("GGML_AVX512_VNNI", ("avx512f", "avx512_vnni")),
    ("GGML_AVX512_BF16", ("avx512f", "avx512_bf16")),
)
# A VM may advertise AMX and still fault on it (SIGILL): never build it.
_ALWAYS_OFF = ("GGML_NATIVE", "GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")


@dataclass(frozen=True)
class CpuBuild:
    """The llama.cpp build options for one CPU."""

    machine: str
    """`platform.machine()`, e.g. x86_64."""
    enabled: tuple[str, ...]
    """ggml options turned on, e.g. GGML_AVX2."""
    cmake_args: str
    """The CMAKE_ARGS value for pip's build of llama-cpp-python."""

    @property
    def label(self) -> str:
        """A short human name, e.g. 'x86_64 AVX2 FMA F16C (no AVX-512, AMX off)'."""
        if self.machine != "x86_64":
            return f"{self.machine} (llama.cpp's defaults for it, no native flags)"
        names = [o.removeprefix("GGML_") for o in self.enabled]
        avx512 = "" if "GGML_AVX512" in self.enabled else "no AVX-512, "
        return f"x86_64 {' '.join(names) or 'baseline'} ({avx512}AMX off)"

    @property
    def key(self) -> str:
        """A file-name-safe key: builds with equal keys are interchangeable."""
        return build_key(self.cmake_args, self.machine)


def build_key(cmake_args: str, machine: str) -> str:
    """The key of a build made with `cmake_args` (names its wheel folder in the cache)."""
    digest = hashlib.sha256(cmake_args.strip().encode()).hexdigest()[:12]
    return f"{machine}-{digest}"


def built_for(cmake_args: str, machine: str | None = None) -> CpuBuild:
    """The build that `cmake_args` (as `cmake-args` printed them) describes."""
    machine = machine or platform.machine()
    enabled = tuple(o for o, _ in _X86_OPTIONS if f"-D{o}=ON" in cmake_args.split())
    return CpuBuild(machine, enabled if machine == "x86_64" else (), cmake_args.strip())


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The feature flags of the first processor in /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def cpu_build(cpuinfo: str, machine: str | None = None) -> CpuBuild:
    """The build options for the CPU that `cpuinfo` describes."""
    machine = machine or platform.machine()
    off = [f"-D{o}=OFF" for o in _ALWAYS_OFF]
    if machine != "x86_64":
        return CpuBuild(machine, (), " ".join(off))
    flags = cpu_flags(cpuinfo)
    enabled = tuple(o for o, needs in _X86_OPTIONS if all(f in flags for f in needs))
    args = [*off, *(f"-D{o}={'ON' if o in enabled else 'OFF'}" for o, _ in _X86_OPTIONS)]
    return CpuBuild(machine, enabled, " ".join(args))


def missing_features(built: str, cpuinfo: str, machine: str | None = None) -> list[str]:
    """The ggml options a build (its CMAKE_ARGS) uses that this CPU lacks."""
    here = set(cpu_build(cpuinfo, machine).enabled)
    used = [a[2:].split("=")[0] for a in built.split() if a.endswith("=ON") and a.startswith("-D")]
    return [o.removeprefix("GGML_") for o in used if o.startswith("GGML_") and o not in here]


def this_cpu() -> CpuBuild:
    """The build options for the CPU this process runs on."""
    text = CPUINFO.read_text(errors="replace") if CPUINFO.exists() else ""
    return cpu_build(text)


def _main(argv: list[str]) -> int:
    build = this_cpu()
    what = argv[1] if len(argv) > 1 else "label"
    print({"cmake-args": build.cmake_args, "key": build.key, "label": build.label}[what])
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
