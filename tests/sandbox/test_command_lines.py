"""The command lines the isolating backends build (pure functions), and backend selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Limits, LocalSandbox, Mount, available_backends, get_sandbox
from sandbox._bwrap import HostFacts, bwrap_argv
from sandbox._docker import docker_argv
from sandbox._env import build_env

LIMITS = Limits(timeout_s=10, memory_mb=512, file_size_mb=8, processes=32, open_files=64)


def facts(is_root: bool) -> HostFacts:
    return HostFacts(
        is_root=is_root,
        python_prefixes=(Path("/opt/venv"), Path("/home/u/.pyenv/versions/3.11.7")),
        top_level=(("/bin", "usr/bin"), ("/lib64", None)),
        etc_files=("/etc/ld.so.cache",),
    )


def test_bwrap_as_a_user_uses_a_user_namespace() -> None:
    argv = bwrap_argv(["pytest"], Path("/w"), [], LIMITS, facts(is_root=False))
    assert "--unshare-user" in argv and "setpriv" not in argv
    for flag in ("--unshare-pid", "--unshare-net", "--die-with-parent", "--new-session"):
        assert flag in argv
    joined = " ".join(argv)
    assert "--bind /w /workspace --chdir /workspace" in joined
    assert "--symlink usr/bin /bin" in joined and "--ro-bind /lib64 /lib64" in joined
    # Folders above the Python install are created world-readable, so the Python is reachable.
    for folder in ("/home", "/home/u", "/home/u/.pyenv", "/home/u/.pyenv/versions", "/opt"):
        assert f"--perms 0755 --dir {folder} " in joined
    assert "--ro-bind /home/u/.pyenv/versions/3.11.7 /home/u/.pyenv/versions/3.11.7" in joined
    assert argv[-2:] == ["--", "pytest"]
    assert "--as=536870912:536870912" in argv and "--nproc=32:32" in argv
    assert "--fsize=8388608:8388608" in argv and "--cpu=21:21" in argv


def test_a_python_under_tmp_is_bound_over_the_private_tmp() -> None:
    facts = HostFacts(False, (Path("/tmp/clone/.venv"),), (), ())
    argv = bwrap_argv(["x"], Path("/w"), [], LIMITS, facts)
    joined = " ".join(argv)
    assert joined.index("--tmpfs /tmp") < joined.index("--ro-bind /tmp/clone/.venv")
    assert "--perms 0755 --dir /tmp/clone " in joined and "--dir /tmp " not in joined


def test_bwrap_as_root_drops_to_nobody_without_capabilities() -> None:
    argv = bwrap_argv(["true"], Path("/w"), [], LIMITS, facts(is_root=True))
    assert "--unshare-user" not in argv
    start = argv.index("setpriv")
    assert argv[start : start + 4] == [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ]
    assert "--bounding-set=-all" in argv and "--no-new-privs" in argv
    assert argv.index("setpriv") < argv.index("prlimit") < argv.index("true")


def test_bwrap_as_root_runs_as_the_leased_uid_named_in_its_own_user_database() -> None:
    root = HostFacts(
        True, (), (), ("/etc/passwd", "/etc/group", "/etc/hosts"), user_db=Path("/state")
    )
    argv = bwrap_argv(["true"], Path("/w"), [], LIMITS, root, uid=4_000_000_007)
    joined = " ".join(argv)
    assert "--reuid=4000000007 --regid=4000000007" in joined
    assert "--ro-bind /state/passwd /etc/passwd --ro-bind /state/group /etc/group" in joined
    assert "--ro-bind /etc/hosts /etc/hosts" in joined
    # /etc is made readable by all before the files are bound into it.
    assert joined.index("--perms 0755 --dir /etc") < joined.index("/etc/passwd")


def test_bwrap_mounts_are_read_only_unless_writable() -> None:
    mounts = [Mount("tests", Path("/t")), Mount("report", Path("/r"), writable=True)]
    joined = " ".join(bwrap_argv(["x"], Path("/w"), mounts, LIMITS, facts(False)))
    assert "--ro-bind /t /mnt/tests" in joined and "--bind /r /mnt/report" in joined


def test_docker_command_line() -> None:
    mounts = [Mount("tests", Path("/t"))]
    argv = docker_argv(
        ["pytest"],
        Path("/w"),
        mounts,
        LIMITS,
        {"PATH": "/x", "HOME": "/tmp"},
        image="img",
        name="n",
    )
    joined = " ".join(argv)
    for part in (
        "--network none",
        "--cap-drop ALL",
        "--read-only",
        "--memory=512m",
        "--pids-limit=32",
        "-v /w:/workspace:rw",
        "-v /t:/mnt/tests:ro",
        "-e HOME=/tmp",
        "--user 65534:65534",
    ):
        assert part in joined
    assert "PATH=/x" not in joined
    assert argv[-2:] == ["img", "pytest"]


@pytest.mark.parametrize(
    "name",
    [
        "OPENAI_API_KEY",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "DB_PASSWORD",
        "KEY",
        "SERPAPIKEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "HTTP_AUTH",
        "ssh_private_file",
        "SESSION_ID",
    ],
)
def test_secret_looking_names_are_refused(name: str) -> None:
    assert build_env({name: "x"}, home="/h").dropped == [name]


@pytest.mark.parametrize("name", ["GIT_AUTHOR_NAME", "KEYBOARD", "MONKEY_MODE", "PYTHONPATH"])
def test_ordinary_names_pass(name: str) -> None:
    assert build_env({name: "x"}, home="/h").env[name] == "x"


def test_env_is_built_from_scratch() -> None:
    built = build_env({"GIT_AUTHOR": "me", "AWS_SECRET_ACCESS_KEY": "s"}, home="/h")
    assert built.env["HOME"] == "/h" and built.env["GIT_AUTHOR"] == "me"
    assert built.dropped == ["AWS_SECRET_ACCESS_KEY"]
    assert set(built.env) == {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "LC_ALL",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "PYTHONNOUSERSITE",
        "GIT_AUTHOR",
    }


def test_backend_selection() -> None:
    found = available_backends()
    assert found["local"] is None
    assert isinstance(get_sandbox("local"), LocalSandbox)
    expected = "bwrap" if found["bwrap"] is None else "local"
    assert get_sandbox("auto").name == expected


def test_docker_backend_without_an_engine_says_so() -> None:
    problem = available_backends()["docker"]
    if problem is None:
        pytest.skip("a Docker engine runs here")
    from sandbox import SandboxError

    with pytest.raises(SandboxError, match=r"[Dd]ocker"):
        get_sandbox("docker")


@pytest.mark.skipif(available_backends()["docker"] is not None, reason="no Docker engine here")
def test_docker_runs_a_command(tmp_path: Path) -> None:
    result = get_sandbox("docker").run(["python", "-c", "print('hi')"], tmp_path)
    assert result.ok and result.stdout.strip() == "hi"
