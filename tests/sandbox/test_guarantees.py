"""Each sandbox guarantee of DESIGN §5, tried by code that attempts to break it."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sandbox import Limits, LocalSandbox, Mount, Sandbox, SandboxError, get_sandbox
from sandbox._base import python_prefixes

PY = sys.executable


def py(code: str) -> list[str]:
    return [PY, "-c", code]


def test_runs_a_command_in_the_workspace(backend: Sandbox, workspace: Path) -> None:
    layout = backend.layout(workspace)
    code = "import os; open('made.txt', 'w').write('hi'); print(os.getcwd())"
    result = backend.run([layout.python, "-c", code], workspace)
    assert result.ok, result.stderr
    assert result.stdout.strip() == layout.workspace
    assert (workspace / "made.txt").read_text() == "hi"
    assert result.backend == backend.name


def test_exit_code_and_stdin(backend: Sandbox, workspace: Path) -> None:
    code = "import sys; data = sys.stdin.read(); print(data.upper()); sys.exit(3)"
    result = backend.run(py(code), workspace, stdin="hello")
    assert (result.exit_code, result.stdout.strip(), result.ok) == (3, "HELLO", False)


def test_timeout_kills_the_whole_process_tree(backend: Sandbox, workspace: Path) -> None:
    # The child starts a grandchild that touches a heartbeat file forever, then sleeps.
    grandchild = (
        "import time, pathlib\n"
        "p = pathlib.Path('heartbeat')\n"
        "while True:\n    p.write_text(str(time.time())); time.sleep(0.05)\n"
    )
    code = (
        f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {grandchild!r}]);"
        " time.sleep(3600)"
    )
    started = time.monotonic()
    result = backend.run(py(code), workspace, limits=Limits(timeout_s=1.5))
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 30
    beat = workspace / "heartbeat"
    assert beat.exists()
    before = beat.stat().st_mtime_ns
    time.sleep(0.5)
    assert beat.stat().st_mtime_ns == before, "the grandchild survived the timeout"


def test_memory_limit(backend: Sandbox, workspace: Path) -> None:
    code = "x = bytearray(4 * 1024**3); print('allocated')"
    result = backend.run(py(code), workspace, limits=Limits(memory_mb=1024))
    assert "allocated" not in result.stdout
    assert "MemoryError" in result.stderr


def test_file_size_limit(backend: Sandbox, workspace: Path) -> None:
    code = (
        "f = open('big.bin', 'wb')\n"
        "for _ in range(2048):\n    f.write(b'x' * 1024 * 1024)\n"
        "print('wrote 2 GiB')"
    )
    result = backend.run(py(code), workspace, limits=Limits(file_size_mb=16))
    assert "wrote 2 GiB" not in result.stdout
    assert "File too large" in result.stderr
    assert (workspace / "big.bin").stat().st_size <= 16 * 1024 * 1024


def test_cpu_limit(backend: Sandbox, workspace: Path) -> None:
    result = backend.run(py("while True: pass"), workspace, limits=Limits(timeout_s=20, cpu_s=1))
    assert not result.timed_out
    assert result.signal is not None  # SIGXCPU, then SIGKILL at the hard limit


def test_fork_bomb_is_contained(bwrap: Sandbox, workspace: Path) -> None:
    code = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    for _ in range(1000):\n"
        "        if os.fork() == 0:\n            time.sleep(30); os._exit(0)\n"
        "        n += 1\n"
        "except OSError as e:\n    print('fork refused after', n)\n"
        "os._exit(0)\n"
    )
    result = bwrap.run(py(code), workspace, limits=Limits(processes=64, timeout_s=20))
    assert "fork refused after" in result.stdout, result.stdout + result.stderr
    assert int(result.stdout.split()[-1]) < 64


# Forks up to N children that sleep and says how many it got; with `wait`, it then holds them
# until a `release` file appears.
HOLD = """
import os, sys, time
held = 0
try:
    for _ in range(int(sys.argv[1])):
        if os.fork() == 0:
            time.sleep(60); os._exit(0)
        held += 1
except OSError as exc:
    print('fork refused', exc)
print('held', held, flush=True)
open('ready', 'w').close()
deadline = time.monotonic() + 30
while sys.argv[2:] == ['wait'] and not os.path.exists('release') and time.monotonic() < deadline:
    time.sleep(0.05)
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="runs at once only with two CPU slots")
def test_concurrent_runs_do_not_share_a_process_budget(bwrap: Sandbox, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
    limits = Limits(processes=64, timeout_s=60)
    with ThreadPoolExecutor(1) as pool:
        holder = pool.submit(bwrap.run, [PY, "-c", HOLD, "60", "wait"], first, limits=limits)
        deadline = time.monotonic() + 30
        while not (first / "ready").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            other = bwrap.run([PY, "-c", HOLD, "20"], second, limits=limits)
        finally:
            (first / "release").touch()
        held = holder.result()
    assert held.stdout.split() == ["held", "60"], held.stdout + held.stderr
    assert other.stdout.split() == ["held", "20"], other.stdout + other.stderr


def test_no_secrets_in_the_environment(
    backend: Sandbox, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "OPENAI_API_KEY": "sk-1",
        "ANTHROPIC_API_KEY": "sk-2",
        "GITHUB_TOKEN": "ghp",
        "MY_SERVICE_KEY": "k",
        "DB_PASSWORD": "p",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    code = "import os, json; print(json.dumps(dict(os.environ)))"
    result = backend.run(py(code), workspace, env={"HF_TOKEN": "t", "VISIBLE": "yes"})
    seen = json.loads(result.stdout)
    assert not set(seen) & {*secrets, "HF_TOKEN"}
    assert seen["VISIBLE"] == "yes"
    assert not any(v in {"sk-1", "sk-2", "ghp", "k", "p", "t"} for v in seen.values())
    assert result.dropped_env == ["HF_TOKEN"]


def test_no_network(bwrap: Sandbox, workspace: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        code = (
            "import socket\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
            "    print('CONNECTED')\n"
            "except OSError as e:\n    print('refused', e)\n"
        )
        result = bwrap.run(py(code), workspace)
    assert "refused" in result.stdout and "CONNECTED" not in result.stdout


def test_local_backend_says_what_it_does_not_guarantee(workspace: Path) -> None:
    result = LocalSandbox().run(py("pass"), workspace)
    assert "no network isolation" in result.weaknesses
    assert any("filesystem" in w for w in result.weaknesses)


def test_only_the_workspace_is_writable_and_the_rest_is_hidden(
    bwrap: Sandbox, tmp_path: Path
) -> None:
    workspace = tmp_path / "trial-1" / "workspace"
    other = tmp_path / "trial-2" / "workspace"
    for folder in (workspace, other):
        folder.mkdir(parents=True)
    (other / "secret.py").write_text("TOKEN = 'other trial'")
    (workspace / "escape").symlink_to(other / "secret.py")
    tasks = Path(__file__).resolve().parents[2] / "tasks"
    hidden = [str(other / "secret.py"), str(other), str(tmp_path), str(tasks), "/workspace/escape"]
    denied = ["/usr/evil", "/etc/evil", "/evil", str(other / "evil"), str(tasks / "evil")]
    code = (
        "import json, os\n"
        f"hidden, denied = {hidden!r}, {denied!r}\n"
        "def writes(path):\n"
        "    try:\n        open(path, 'w').write('x'); return True\n"
        "    except OSError:\n        return False\n"
        "print(json.dumps({'seen': [p for p in hidden if os.path.exists(p)],"
        " 'written': [p for p in denied if writes(p)],"
        " 'workspace': writes('/workspace/ok'), 'tmp': writes('/tmp/ok')}))\n"
    )
    result = bwrap.run(py(code), workspace)
    report = json.loads(result.stdout)
    assert report == {"seen": [], "written": [], "workspace": True, "tmp": True}, result.stderr
    assert not (other / "evil").exists() and not (tasks / "evil").exists()


def test_home_directory_contents_are_invisible(bwrap: Sandbox, workspace: Path) -> None:
    code = "import os; print(os.environ['HOME'], sorted(os.listdir(os.environ['HOME'])))"
    result = bwrap.run(py(code), workspace)
    assert result.ok, result.stderr
    # HOME is the private tmpfs: nothing of the user's home is there, only the way to a Python
    # installed under /tmp (a virtualenv there), if that is where the tests run from.
    tmp = Path("/tmp")
    python_dirs = sorted(
        {p.relative_to(tmp).parts[0] for p in python_prefixes() if tmp in p.parents}
    )
    assert result.stdout.strip() == f"/tmp {python_dirs}"
    listing = bwrap.run(py("import os; print(os.listdir('/root'))"), workspace).stdout
    assert "workspace" not in listing and ".bashrc" not in listing


def test_other_processes_are_invisible(bwrap: Sandbox, workspace: Path) -> None:
    code = "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))"
    result = bwrap.run(py(code), workspace)
    pids = eval(result.stdout)  # a list of ints printed by the child
    assert max(pids) < 10, pids


def test_read_only_mount(bwrap: Sandbox, workspace: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "fixed.txt").write_text("original")
    code = (
        "try:\n    open('/mnt/data/fixed.txt', 'w').write('changed'); print('WROTE')\n"
        "except OSError:\n    print('read-only')\n"
        "print(open('/mnt/data/fixed.txt').read())\n"
    )
    result = bwrap.run(py(code), workspace, mounts=[Mount("data", data)])
    assert result.stdout.split() == ["read-only", "original"]
    assert (data / "fixed.txt").read_text() == "original"


def test_output_is_capped_and_never_blocks(backend: Sandbox, workspace: Path) -> None:
    code = (
        "import sys\n"
        "for _ in range(50):\n    sys.stdout.write('x' * 1024 * 1024)\n"
        "sys.stderr.write('done')"
    )
    result = backend.run(py(code), workspace, limits=Limits(output_bytes=10_000, timeout_s=60))
    assert result.ok and not result.timed_out
    assert result.stdout_truncated and not result.stderr_truncated
    assert len(result.stdout) < 10_200 and "bytes omitted" in result.stdout
    assert result.stderr == "done"


def test_workspace_ownership_is_restored(backend: Sandbox, workspace: Path) -> None:
    (workspace / "kept.txt").write_text("x")
    owner = (workspace.stat().st_uid, workspace.stat().st_gid)
    backend.run(py("open('new.txt', 'w').write('y'); import os; os.mkdir('sub')"), workspace)
    for path in (workspace, workspace / "kept.txt", workspace / "new.txt", workspace / "sub"):
        assert (path.stat().st_uid, path.stat().st_gid) == owner, path


def test_bad_requests_are_clear_errors(workspace: Path) -> None:
    with pytest.raises(SandboxError, match="is not a folder"):
        LocalSandbox().run(py("pass"), workspace / "missing")
    with pytest.raises(SandboxError, match="use an identifier"):
        LocalSandbox().run(py("pass"), workspace, mounts=[Mount("bad name", workspace)])
    with pytest.raises(SandboxError, match="unknown sandbox backend 'vm'"):
        get_sandbox("vm")
