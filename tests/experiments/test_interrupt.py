"""Ctrl-C stops a run at once, whatever its agents are doing, and the run can be resumed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from experiments import RunDir

BUNDLED_TASK = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache"


def _script(path: Path, outputs: list[dict[str, object]]) -> str:
    path.write_text(yaml.safe_dump({"outputs": outputs}))
    return f"mock/{path}"


def _done(delay: float = 0.0) -> dict[str, object]:
    return {"tool_calls": [{"name": "done", "arguments": {"summary": "x"}}], "delay_s": delay}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("where", ["builder", "regenerators"])
def test_ctrl_c_ends_the_run_promptly_and_leaves_it_resumable(tmp_path: Path, where: str) -> None:
    # The scripted model (a test double) takes ten minutes to answer where the interrupt lands.
    slow, quick = _done(600.0), _done()
    builder = _script(tmp_path / "b.yaml", [slow] if where == "builder" else [quick])
    regenerator = _script(tmp_path / "r.yaml", [slow] if where == "regenerators" else [quick])
    out = tmp_path / "runs"
    command = [sys.executable, "-m", "experiments.cli", "run", str(BUNDLED_TASK), "--out", str(out)]
    command += ["--builder-model", builder, "--regenerator-model", regenerator]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marker = "regenerate:" if where == "regenerators" else "build"
    deadline = time.monotonic() + 60
    seen = ""
    while marker not in seen and time.monotonic() < deadline:
        assert process.stdout is not None
        seen += process.stdout.readline()
    time.sleep(1.0)  # inside the slow model call
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert time.monotonic() - interrupted < 20, "the run took its time to stop"
    assert process.returncode == 130 and "resume with: experiment resume" in err
    [run_dir] = out.iterdir()
    assert json.loads((run_dir / RunDir.RESULTS).read_text())["status"] == "interrupted"
