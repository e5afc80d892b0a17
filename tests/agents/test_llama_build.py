"""llama.cpp's build flags come from the CPU, and a build the CPU cannot run is refused with a fix.

The CPUs are fake /proc/cpuinfo excerpts of the three kinds this machine kind comes as: an Intel
Sapphire Rapids that advertises AMX (which its VM may forbid), an AMD Zen 4 with AVX-512 and an
AMD Zen 2/3 with AVX2 only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agents import PrerequisiteError
from agents.models import _build, _prove
from agents.models._build import ProbeFailed, check_build, ensure_runs, probe, wheel_folder
from agents.models._cpu import built_for, cpu_build, missing_features

_BASE = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse "
    "sse2 ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid pni "
    "pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand "
    "hypervisor lahf_lm abm 3dnowprefetch fsgsbase bmi1 avx2 smep bmi2 erms invpcid rdseed adx "
    "smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves"
)
_AVX512 = "avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512vbmi avx512_vbmi2"
INTEL_SAPPHIRE_RAPIDS = f"""processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: {_BASE} {_AVX512} avx_vnni avx512_bf16 avx512_vnni avx512_bitalg avx512_vpopcntdq \
avx512_fp16 amx_bf16 amx_tile amx_int8 arch_capabilities
"""
AMD_ZEN4 = f"""processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9B14
flags\t\t: {_BASE} {_AVX512} avx512_bf16 clzero avx512_vnni avx512_bitalg avx512_vpopcntdq
"""
AMD_AVX2 = f"""processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B12
flags\t\t: {_BASE} clzero xsaveerptr
"""


def test_intel_with_amx_builds_avx512_and_never_amx() -> None:
    build = cpu_build(INTEL_SAPPHIRE_RAPIDS, "x86_64")
    args = build.cmake_args.split()
    assert "-DGGML_AVX512=ON" in args and "-DGGML_AVX_VNNI=ON" in args
    assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= set(args)
    assert "-DGGML_NATIVE=OFF" in args and not any("AMX" in a and "=ON" in a for a in args)
    assert build.label.endswith("(AMX off)") and "AVX512_BF16" in build.label


def test_amd_zen4_builds_avx512_without_avx_vnni() -> None:
    args = cpu_build(AMD_ZEN4, "x86_64").cmake_args.split()
    assert {"-DGGML_AVX512=ON", "-DGGML_AVX512_VNNI=ON", "-DGGML_AVX_VNNI=OFF"} <= set(args)


def test_amd_with_avx2_only_builds_no_avx512() -> None:
    build = cpu_build(AMD_AVX2, "x86_64")
    args = build.cmake_args.split()
    assert {"-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON"} <= set(args)
    assert "-DGGML_AVX512=OFF" in args and "-DGGML_AVX512_VNNI=OFF" in args
    assert build.label == "x86_64 SSE42 AVX F16C FMA AVX2 BMI2 (no AVX-512, AMX off)"


def test_other_cpus_get_different_keys_so_no_wheel_is_shared() -> None:
    keys = {cpu_build(text, "x86_64").key for text in (INTEL_SAPPHIRE_RAPIDS, AMD_ZEN4, AMD_AVX2)}
    assert len(keys) == 3


def test_missing_features_both_ways() -> None:
    intel = cpu_build(INTEL_SAPPHIRE_RAPIDS, "x86_64").cmake_args
    avx2 = cpu_build(AMD_AVX2, "x86_64").cmake_args
    lacking = missing_features(intel, AMD_AVX2, "x86_64")
    assert {"AVX512", "AVX512_VNNI", "AVX_VNNI"} <= set(lacking) and "AVX2" not in lacking
    # A build for fewer instructions runs on a CPU with more.
    assert missing_features(avx2, INTEL_SAPPHIRE_RAPIDS, "x86_64") == []
    assert missing_features(intel, INTEL_SAPPHIRE_RAPIDS, "x86_64") == []
    assert missing_features(cpu_build(AMD_ZEN4, "x86_64").cmake_args, AMD_AVX2, "x86_64")


def test_the_recorded_flags_read_back_as_the_same_build() -> None:
    build = cpu_build(AMD_ZEN4, "x86_64")
    again = built_for(build.cmake_args + "\n", "x86_64")
    assert (again.label, again.key) == (build.label, build.key)


def test_a_build_the_cpu_cannot_run_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGENLAB_CACHE_DIR", str(tmp_path))
    intel = cpu_build(INTEL_SAPPHIRE_RAPIDS, "x86_64").cmake_args
    with pytest.raises(PrerequisiteError) as info:
        check_build(intel, AMD_AVX2, "x86_64")
    message = str(info.value)
    assert "\n" not in message
    assert "AVX512" in message and "AVX_VNNI" in message and "rerun scripts/setup" in message
    assert str(wheel_folder(intel, "x86_64")) in message
    check_build(intel, INTEL_SAPPHIRE_RAPIDS, "x86_64")  # the CPU it was built on: fine
    check_build(None, AMD_AVX2, "x86_64")  # not built by scripts/setup: nothing to compare


def test_the_provider_checks_the_cpu_before_loading_llama_cpp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(AMD_AVX2)
    monkeypatch.setattr(_build, "CPUINFO", cpuinfo)
    built = cpu_build(AMD_ZEN4, "x86_64").cmake_args
    monkeypatch.setattr(_build, "recorded_build", lambda prefix=None: built)
    monkeypatch.setattr(_build, "probe", lambda *a, **k: pytest.fail("probed a refused build"))
    with pytest.raises(PrerequisiteError, match=r"built for AVX512.*rerun scripts/setup"):
        ensure_runs(tmp_path / "model.gguf")


def test_a_probe_killed_by_sigill_says_how_to_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGENLAB_CACHE_DIR", str(tmp_path))
    (tmp_path / "venv").mkdir()
    built = cpu_build(AMD_ZEN4, "x86_64").cmake_args
    (tmp_path / "venv" / _build.BUILD_FILE).write_text(built + "\n")
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGILL)"]
    with pytest.raises(PrerequisiteError) as info:
        probe(tmp_path / "model.gguf", command=crash)
    message = str(info.value)
    assert "SIGILL" in message and "\n" not in message
    assert f"rm -rf {wheel_folder(built)} && scripts/setup" in message
    assert "AVX512" in message  # it names what the build was for


def test_a_probe_that_fails_otherwise_is_not_a_cpu_error(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "import sys; sys.exit('no such model')"]
    with pytest.raises(ProbeFailed, match="exit code 1: no such model"):
        probe(tmp_path / "model.gguf", command=failing)


def test_setup_prints_one_line_naming_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built = cpu_build(AMD_AVX2, "x86_64").cmake_args
    monkeypatch.setattr(_prove, "recorded_build", lambda prefix=None: built)
    monkeypatch.setattr(_prove, "probe", lambda path: _build.ProbeResult(tokens=4, seconds=0.2))
    monkeypatch.setattr(_prove, "model_path", lambda name: tmp_path / name)
    assert _prove.main() == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line == (
        "llama.cpp built for x86_64 SSE42 AVX F16C FMA AVX2 BMI2 (no AVX-512, AMX off); "
        "a test generation ran (gemma-3-270m, 4 tokens in 0.2 s)"
    )


def test_cpu_module_runs_with_the_system_python_before_the_venv_exists() -> None:
    script = Path(__file__).parents[2] / "agents" / "models" / "_cpu.py"
    done = subprocess.run(
        [sys.executable, "-I", str(script), "cmake-args"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "-DGGML_AMX_TILE=OFF" in done.stdout and "-DGGML_NATIVE=OFF" in done.stdout
