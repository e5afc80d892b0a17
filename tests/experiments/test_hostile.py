"""`experiment run` against hostile input: a scripted builder that tries to escape through the
workspace's .git, files that block, and task or experiment files built to break the loader.

The scripted mock model plays the malicious agent here (a test double, not a model result).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from agents.models import RetryPolicy, get_model
from experiments import RunDir, run_trials
from experiments.cli import app
from tests.sandbox.conftest import _bwrap

BUNDLED_TASK = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache"
MODULE = "class LRUCache:\n    def __init__(self, capacity, ttl_seconds=None):\n        pass\n"
runner = CliRunner()


@pytest.fixture
def bwrap() -> object:
    """The bubblewrap backend (required in CI, skipped elsewhere when missing)."""
    return _bwrap()


def _tool(name: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


def _script(folder: Path, name: str, outputs: list[dict[str, Any]]) -> str:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"outputs": outputs}))
    return f"mock/{path}"


ESCAPES = {
    "hook": [
        _tool(
            "run",
            command="printf '#!/bin/sh\\nid > {m}/hook\\n' > .git/hooks/pre-commit"
            " && chmod +x .git/hooks/pre-commit; echo x > f.txt",
        )
    ],
    "fsmonitor": [
        _tool("run", command="git config core.fsmonitor 'id > {m}/fsmonitor; true'; echo x > f.txt")
    ],
    "git-symlink": [
        _tool("run", command="ln -s .git gitlink"),
        _tool(
            "write_file",
            path="gitlink/config",
            content="[core]\n\tfsmonitor = id > {m}/symlink; true\n",
        ),
        _tool(
            "write_file",
            path="gitlink/hooks/pre-commit",
            content="#!/bin/sh\nid > {m}/symlink-hook\n",
        ),
    ],
    "config-include": [
        _tool(
            "run",
            command="printf '[core]\\n\\tfsmonitor = id > {m}/include; true\\n' > evil.cfg"
            " && git config include.path ../evil.cfg; echo x > f.txt",
        )
    ],
}


def _hostile_run(tmp_path: Path, plant: list[dict[str, Any]], sandbox: str) -> tuple[Path, Path]:
    """A trial whose builder plants `plant`, then writes a module; (markers, run_dir)."""
    markers = tmp_path / "markers"
    markers.mkdir()
    steps = json.loads(json.dumps(plant).replace("{m}", str(markers)))
    builder = _script(
        tmp_path,
        "builder",
        [*steps, _tool("write_file", path="lru_ttl.py", content=MODULE), _tool("done", summary="")],
    )
    regenerator = _script(tmp_path, "regenerator", [_tool("done", summary="nothing")])
    task = shutil.copytree(BUNDLED_TASK, tmp_path / "tasks" / BUNDLED_TASK.name)
    [result] = run_trials(
        task,
        builder_model=builder,
        regenerator_model=regenerator,
        arms=["none"],
        sandbox=sandbox,
        out=tmp_path / "runs",
    )
    assert result.status == "completed", result.error
    return markers, Path(result.run_dir)


@pytest.mark.parametrize("escape", sorted(ESCAPES))
def test_no_escape_through_git_runs_on_the_host(bwrap: object, tmp_path: Path, escape: str) -> None:
    markers, run_dir = _hostile_run(tmp_path, ESCAPES[escape], "bwrap")
    assert list(markers.iterdir()) == [], f"{escape}: agent code ran on the host"
    git_dir = run_dir / "original" / ".git"
    assert list((git_dir / "hooks").iterdir()) == []
    assert "fsmonitor" not in (git_dir / "config").read_text()
    # A reviewer's own git in the run directory runs nothing the agent planted either.
    import subprocess

    subprocess.run(["git", "status"], cwd=run_dir / "original", capture_output=True, check=True)
    subprocess.run(["git", "log"], cwd=run_dir / "original", capture_output=True, check=True)
    assert list(markers.iterdir()) == []


def test_under_the_local_backend_the_hosts_git_still_runs_nothing_planted(tmp_path: Path) -> None:
    plant = [step for steps in ESCAPES.values() for step in steps]
    markers, run_dir = _hostile_run(tmp_path, plant, "local")
    assert list(markers.iterdir()) == []
    saved = json.loads((run_dir / RunDir.RESULTS).read_text())
    assert saved["status"] == "completed"


@pytest.mark.timeout(120)
def test_a_fifo_in_the_workspace_neither_hangs_the_trial_nor_the_analysis(
    bwrap: object, tmp_path: Path
) -> None:
    plant = [
        _tool("run", command="mkfifo p && mkfifo lru_ttl_pipe.py"),
        _tool("write_file", path="p", content="x"),
        _tool("read_file", path="p"),
    ]
    _, run_dir = _hostile_run(tmp_path, plant, "bwrap")
    transcript = (run_dir / "transcripts" / "builder.jsonl").read_text()
    assert transcript.count("not a regular file") >= 2


# --- bad input: one line, exit 2, nothing left behind ----------------------------------------


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\nid: lru-ttl-cache\n"


@pytest.fixture
def bomb_task(tmp_path: Path) -> Path:
    task = shutil.copytree(BUNDLED_TASK, tmp_path / "tasks" / BUNDLED_TASK.name)
    (task / "task.yaml").write_text(_bomb())
    return task


def _one_line_error(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output
    return str(lines[0])


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", ["run", "tasks list", "analyze --task"])
def test_a_yaml_alias_bomb_is_one_short_line(bomb_task: Path, tmp_path: Path, command: str) -> None:
    started = time.monotonic()
    if command == "run":
        arguments = ["run", str(bomb_task / "task.yaml"), "--out", str(tmp_path / "runs")]
    elif command == "tasks list":
        arguments = ["tasks", "list", "--tasks-dir", str(bomb_task.parent)]
    else:
        code = tmp_path / "code"
        code.mkdir()
        arguments = ["analyze", str(code), str(code), "--task", str(bomb_task)]
    result = runner.invoke(app, arguments)
    if command == "tasks list":  # the listing names the broken task and exits 2
        assert result.exit_code == 2 and "expand to more than" in result.output
    else:
        line = _one_line_error(result)
        assert "expand to more than" in line and len(line) < 300
    assert time.monotonic() - started < 30
    assert not (tmp_path / "runs").exists()


def test_a_task_file_that_is_not_utf8_given_to_run_is_one_line(tmp_path: Path) -> None:
    task = shutil.copytree(BUNDLED_TASK, tmp_path / "tasks" / BUNDLED_TASK.name)
    (task / "task.yaml").write_bytes(b"id: lru-ttl-cache\ntitle: \xff\xfe\n")
    result = runner.invoke(app, ["run", str(task / "task.yaml"), "--out", str(tmp_path / "runs")])
    assert "is not UTF-8" in _one_line_error(result)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("journal_styles", ["poetic"], "unknown journal style 'poetic'"),
        ("code_policies", ["snippets:0"], "'snippets:0' is not none, any or snippets:N"),
    ],
)
def test_a_bad_experiment_cell_is_one_line_and_leaves_no_folder(
    tmp_path: Path, field: str, value: list[str], expected: str
) -> None:
    spec = tmp_path / "experiment.yaml"
    spec.write_text(
        yaml.safe_dump({"tasks": [str(BUNDLED_TASK)], "models": ["mock/demo"], field: value})
    )
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(spec), "--out", str(out)])
    line = _one_line_error(result)
    assert f"field '{field}" in line and expected in line
    assert not out.exists() or list(out.iterdir()) == []


def test_base_url_with_a_mock_model_is_one_line(tmp_path: Path) -> None:
    arguments = ["run", str(BUNDLED_TASK), "--out", str(tmp_path / "runs")]
    arguments += ["--builder-model", "mock/demo", "--regenerator-model", "mock/demo"]
    result = runner.invoke(app, [*arguments, "--base-url", "http://127.0.0.1:9/v1"])
    assert "--base-url" in _one_line_error(result)
    assert not (tmp_path / "runs").exists()
    with pytest.raises(Exception, match="does not take 'base_url'"):
        get_model("mock/demo", base_url="http://127.0.0.1:9/v1")


def test_an_import_root_outside_the_workspace_is_refused(tmp_path: Path) -> None:
    task = shutil.copytree(BUNDLED_TASK, tmp_path / "tasks" / BUNDLED_TASK.name)
    data = yaml.safe_load((task / "task.yaml").read_text())
    for root in ("../../..", "/etc", "src/../.."):
        data["tests"] = {"import_root": root}
        (task / "task.yaml").write_text(yaml.safe_dump(data))
        result = runner.invoke(app, ["tasks", "show", str(task)])
        assert "field 'tests.import_root'" in _one_line_error(result) and "leaves" in result.output


# --- a model that never answers: the trial fails, it is not a result ---------------------------


def test_an_unreachable_server_fails_the_trial(tmp_path: Path) -> None:
    once = RetryPolicy(max_attempts=1)
    model = get_model("openai-compatible/m", base_url="http://127.0.0.1:9/v1", retry=once)
    [result] = run_trials(
        BUNDLED_TASK, builder_model=model, regenerator_model=model, out=tmp_path / "runs"
    )
    assert result.status == "error"
    assert "never answered" in (result.error or "")
    assert not result.pass_rates, "a trial whose model never answered must not be scored"


def test_a_mock_without_a_script_fails_the_run_and_the_experiment_can_retry_it(
    tmp_path: Path,
) -> None:
    out = tmp_path / "runs"
    arguments = ["run", str(BUNDLED_TASK), "--out", str(out)]
    result = runner.invoke(app, [*arguments, "--builder-model", "mock/demo"])
    assert result.exit_code == 1 and "never answered" in " ".join(result.output.split())
    spec = tmp_path / "experiment.yaml"
    spec.write_text(yaml.safe_dump({"tasks": [str(BUNDLED_TASK)], "models": ["mock/demo"]}))
    matrix = runner.invoke(app, ["run", str(spec), "--out", str(tmp_path / "matrix")])
    assert matrix.exit_code == 1 and "retry" in matrix.output
    [folder] = (tmp_path / "matrix").iterdir()
    status = json.loads((folder / "status.json").read_text())
    assert len(status["failed"]) == 1 and "never answered" in next(iter(status["errors"].values()))
    assert not (folder / "results.jsonl").exists() or (folder / "results.jsonl").read_text() == ""
