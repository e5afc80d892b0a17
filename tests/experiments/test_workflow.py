"""The journal-and-regenerate workflow end to end with scripted mock models (test doubles)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import git
import pytest
import yaml

from agents.models import MockModel
from experiments import RunDir, resume_trial, run_trials

SCRIPTS = Path(__file__).with_name("scripts")


def mock(name: str) -> MockModel:
    return MockModel.from_file(SCRIPTS / f"{name}.yaml", name=name)


@pytest.fixture
def finished(tmp_path: Path, task_dir: Path):
    builder = mock("builder")
    regenerators: dict[str, MockModel] = {}

    def regenerator(arm: str) -> MockModel:
        return regenerators.setdefault(arm, mock("regenerator"))

    [result] = run_trials(
        task_dir, builder_model=builder, regenerator_model=regenerator, out=tmp_path / "runs"
    )
    return result, builder, regenerators


def test_end_to_end_with_mock_models(finished) -> None:
    result, builder, regenerators = finished
    run_dir = Path(result.run_dir)
    assert result.status == "completed", result.error
    assert set(result.pass_rates) == {"original", "journal", "prompt"}
    # The scripted original passes the basic tests but not expiry/stats; the rebuild passes fewer.
    assert 0 < result.pass_rates["journal"] < result.pass_rates["original"] < 1
    assert result.fidelity["journal"] == pytest.approx(
        result.pass_rates["journal"] / result.pass_rates["original"]
    )
    assert result.builder is not None and result.builder.stop_reason == "done"
    assert {r.stop_reason for r in result.regenerators.values()} == {"done"}
    assert any("not a model result" in note for note in result.notes)
    analysis = json.loads((run_dir / RunDir.ANALYSIS).read_text())
    assert set(analysis) == {"journal", "prompt"}
    assert analysis["journal"]["tests"]["fidelity"] == result.fidelity["journal"]
    headline = result.headlines["journal"]
    assert 0 < headline["text_similarity"] < 1 and headline["leakage"] == 0.0
    saved = json.loads((run_dir / RunDir.RESULTS).read_text())
    assert saved["pass_rates"] == result.pass_rates and saved["status"] == "completed"
    assert builder.remaining == 0 and all(r.remaining == 0 for r in regenerators.values())


def test_the_hidden_tests_are_collected_while_the_builder_works(
    tmp_path: Path, task_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analysis import HiddenTests
    from experiments._events import JournalSealed

    seen: list[str] = []
    collect = HiddenTests.collect

    def recorded(self: HiddenTests, sandbox: Any = None) -> Any:
        seen.append("collect started")
        return collect(self, sandbox)

    def on_event(event: object) -> None:
        if isinstance(event, JournalSealed):
            seen.append("build done")

    monkeypatch.setattr(HiddenTests, "collect", recorded)
    [result] = run_trials(
        task_dir,
        builder_model=mock("builder"),
        regenerator_model=lambda arm: mock("regenerator"),
        out=tmp_path / "runs",
        on_event=on_event,
    )
    assert result.status == "completed", result.error
    # Once, and before the build ended: the collection needs only the reference.
    assert seen == ["collect started", "build done"]
    assert result.timings["collect_hidden_tests"] > 0
    assert 0 < result.pass_rates["journal"] < result.pass_rates["original"] < 1


def test_git_log_has_one_commit_per_file_change_naming_journal_entries(finished) -> None:
    result, _, _ = finished
    log = [c.message.strip() for c in git.Repo(Path(result.run_dir) / "original").iter_commits()]
    assert list(reversed(log)) == [
        "write lru_ttl.py [journal #1 (plan)]",
        "write test_smoke.py [journal #2 (step)]",
    ]


def test_run_directory_layout(finished) -> None:
    result, _, _ = finished
    run_dir = Path(result.run_dir)
    for path in (
        RunDir.RUN,
        "journal.jsonl",
        "journal.md",
        "usage.json",
        RunDir.RESULTS,
        "checkpoint.sqlite",
        "original/lru_ttl.py",
        "regenerated/journal/lru_ttl.py",
        "regenerated/prompt/lru_ttl.py",
        "transcripts/builder.jsonl",
        "transcripts/regenerator-journal.jsonl",
        "transcripts/regenerator-prompt.jsonl",
    ):
        assert (run_dir / path).exists(), path
    run = yaml.safe_load((run_dir / RunDir.RUN).read_text())
    assert run["config"]["builder_model"] == "mock/builder" and "langgraph" in run["versions"]
    assert json.loads((run_dir / "journal.jsonl").read_text().splitlines()[0])["sealed"] is True
    usage = json.loads((run_dir / "usage.json").read_text())
    assert usage["builder"]["calls"] == 7 and usage["total"]["calls"] == 7 + 3 + 3


def test_the_regenerator_sees_only_its_arm(finished) -> None:
    _, builder, regenerators = finished
    journal_prompt = regenerators["journal"].requests[0].messages[0].content
    task_prompt = regenerators["prompt"].requests[0].messages[0].content
    assert "ordered dictionary of (value, expiry) pairs" in journal_prompt
    assert "# Task" not in journal_prompt and "Build a Python module" not in journal_prompt
    assert "Build a Python module `lru_ttl.py`" in task_prompt and "# Journal" not in task_prompt
    builder_system = builder.requests[0].messages[0].content
    assert (
        "Journal style: structured" in builder_system and "no code in the journal" in builder_system
    )


def test_transcripts_hold_every_request_and_reply(finished) -> None:
    result, builder, _ = finished
    lines = [
        json.loads(line) for line in (Path(result.run_dir) / "transcripts" / "builder.jsonl").open()
    ]
    assert len(lines) == len(builder.requests) == 7
    sent = []
    for index, line in enumerate(lines):
        sent += line["new_messages"]
        assert len(sent) == len(builder.requests[index].messages)
        sent.append(line["reply"] and {"role": "assistant"})
    assert lines[0]["tools"][0]["name"] == "write_file"


def test_a_finished_run_resumes_to_the_same_result(finished) -> None:
    result, _, _ = finished
    again = resume_trial(Path(result.run_dir), builder_model=mock("builder"))
    assert again.pass_rates == result.pass_rates


def test_cli_run_with_mock_scripts(tmp_path: Path, task_dir: Path) -> None:
    from typer.testing import CliRunner

    from experiments.cli import app

    result = CliRunner().invoke(
        app,
        [
            "run",
            str(task_dir),
            "--builder-model",
            f"mock/{SCRIPTS / 'builder.yaml'}",
            "--regenerator-model",
            f"mock/{SCRIPTS / 'regenerator.yaml'}",
            "--arms",
            "journal",
            "--out",
            str(tmp_path / "runs"),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "lru-ttl-cache: completed" in result.output
    assert "builder turn 2: write_file lru_ttl.py" in result.output
    assert "replays a script: a test double, not a model result" in result.output


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--arms", "journal,bogus", "--arms"),
        ("--journal-style", "poetic", "journal style"),
        ("--code-policy", "some", "--code-policy"),
    ],
)
def test_cli_run_rejects_bad_options(
    tmp_path: Path, task_dir: Path, option: str, value: str, message: str
) -> None:
    from typer.testing import CliRunner

    from experiments.cli import app

    result = CliRunner().invoke(app, ["run", str(task_dir), option, value, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_a_transient_model_outage_restarts_the_step(tmp_path: Path, task_dir: Path) -> None:
    from agents.models import RetryPolicy

    script = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())["outputs"]
    # The model gives up at once; the workflow's node retry then runs the build again.
    builder = MockModel(
        "flaky", [{"error": {"status": 503}}, *script], retry=RetryPolicy(max_attempts=1)
    )
    [result] = run_trials(
        task_dir,
        builder_model=builder,
        regenerator_model=lambda arm: mock("regenerator"),
        arms=["journal"],
        out=tmp_path / "runs",
    )
    assert result.status == "completed", result.error
    assert len(builder.requests) == 1 + 7
    log = git.Repo(Path(result.run_dir) / "original").iter_commits()
    assert len(list(log)) == 2  # the failed attempt left nothing behind


def test_what_a_lost_attempt_spent_is_counted(tmp_path: Path, task_dir: Path) -> None:
    from agents.models import RetryPolicy

    script = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())["outputs"]
    outage = [{"error": {"status": 503}}] * 2
    # One reply, then an outage that outlives one retry: the build runs again from the start.
    builder = MockModel(
        "flaky",
        [script[0], *outage, *script],
        retry=RetryPolicy(max_attempts=2, initial_backoff_s=0.0, jitter=0.0),
    )
    [result] = run_trials(
        task_dir,
        builder_model=builder,
        regenerator_model=lambda arm: mock("regenerator"),
        arms=["journal"],
        out=tmp_path / "runs",
    )
    assert result.status == "completed", result.error
    lost = result.failed_attempts["builder"]
    assert (lost.calls, lost.retries) == (2, 1)
    usage = json.loads((Path(result.run_dir) / "usage.json").read_text())
    assert result.builder is not None
    assert usage["builder"]["calls"] == result.builder.usage.calls + 2 == len(script) + 2
    assert usage["builder"]["retries"] == 1
    assert usage["builder"]["input_tokens"] == builder.usage.input_tokens
    assert usage["total"]["retries"] == 1


def test_the_response_cache_is_attached_to_hosted_models_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agents.models import get_model
    from experiments._runner import _attach_cache

    monkeypatch.setenv("REGENLAB_CACHE_DIR", str(tmp_path))
    hosted = get_model("openai-compatible/m", base_url="http://127.0.0.1:9/v1")
    scripted = mock("builder")
    _attach_cache([hosted, scripted], trial=3)
    assert hosted.cache is not None and hosted.trial == 3
    assert hosted.cache.path == tmp_path / "responses.sqlite"
    assert scripted.cache is None


def slowed(tmp_path: Path, name: str, index: int, delay: float) -> tuple[Path, dict[str, Any]]:
    """A copy of a script whose call number `index` (from 0) first sleeps `delay` seconds."""
    script = yaml.safe_load((SCRIPTS / f"{name}.yaml").read_text())
    script["outputs"][index]["delay_s"] = delay
    path = tmp_path / f"slow-{name}.yaml"
    path.write_text(yaml.safe_dump(script))
    return path, script


def start_run(
    tmp_path: Path, task_dir: Path, builder: Path, regenerator: Path, *options: str
) -> tuple[subprocess.Popen[str], dict[str, str], Path]:
    """`experiment run` in a subprocess whose mock models log every request to mock.log."""
    log = tmp_path / "mock.log"
    env = {**os.environ, "REGENLAB_MOCK_LOG": str(log)}
    command = [
        sys.executable,
        "-m",
        "experiments.cli",
        "run",
        str(task_dir),
        *options,
        "--builder-model",
        f"mock/{builder}",
        "--regenerator-model",
        f"mock/{regenerator}",
        "--out",
        str(tmp_path / "runs"),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    return process, env, log


def wait_for(log: Path, marker: str, count: int = 1) -> None:
    """Until `marker` appears `count` times in the mock log (at most two minutes)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if log.exists() and log.read_text().count(marker) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{marker!r} did not appear {count} time(s) in {log}")


def resume(run_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "resume", str(run_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def builder_calls(log: Path, marker: str) -> list[str]:
    return [line for line in log.read_text().splitlines() if marker in line]


def test_killed_after_the_build_then_resumed_without_calling_the_builder_again(
    tmp_path: Path, task_dir: Path
) -> None:
    regenerator, _ = slowed(tmp_path, "regenerator", 0, 2.0)
    process, env, log = start_run(tmp_path, task_dir, SCRIPTS / "builder.yaml", regenerator)
    wait_for(log, "slow-regenerator")
    process.send_signal(signal.SIGKILL)
    process.wait()
    [run_dir] = (tmp_path / "runs").iterdir()
    assert not (run_dir / RunDir.RESULTS).exists()
    before = builder_calls(log, "builder.yaml")
    assert len(before) == 7
    resume(run_dir, env)
    assert builder_calls(log, "builder.yaml") == before, "the builder was called again"
    result = json.loads((run_dir / RunDir.RESULTS).read_text())
    assert result["status"] == "completed"
    assert set(result["pass_rates"]) == {"original", "journal", "prompt"}


def test_ctrl_c_leaves_a_resumable_run(tmp_path: Path, task_dir: Path) -> None:
    regenerator, _ = slowed(tmp_path, "regenerator", 0, 3.0)
    process, env, log = start_run(
        tmp_path, task_dir, SCRIPTS / "builder.yaml", regenerator, "--arms", "journal"
    )
    wait_for(log, "slow-regenerator")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    [run_dir] = (tmp_path / "runs").iterdir()
    assert process.returncode == 130
    assert f"interrupted; resume with: experiment resume {run_dir}" in " ".join(stderr.split())
    assert json.loads((run_dir / RunDir.RESULTS).read_text())["status"] == "interrupted"
    resume(run_dir, env)
    assert json.loads((run_dir / RunDir.RESULTS).read_text())["status"] == "completed"


def test_killed_during_the_build_the_resumed_build_starts_afresh(
    tmp_path: Path, task_dir: Path
) -> None:
    builder, script = slowed(tmp_path, "builder", 3, 30.0)  # the fourth call hangs: kill there
    process, env, log = start_run(
        tmp_path, task_dir, builder, SCRIPTS / "regenerator.yaml", "--arms", "journal"
    )
    wait_for(log, "slow-builder", count=4)
    process.send_signal(signal.SIGKILL)
    process.wait()
    [run_dir] = (tmp_path / "runs").iterdir()
    script["outputs"][3].pop("delay_s")
    builder.write_text(yaml.safe_dump(script))
    resume(run_dir, env)
    transcript = (run_dir / "transcripts" / "builder.jsonl").open()
    assert [json.loads(line)["turn"] for line in transcript] == list(range(1, 8))
    result = json.loads((run_dir / RunDir.RESULTS).read_text())
    assert result["builder"]["usage"]["calls"] == 7 and result["builder"]["stop_reason"] == "done"
    commits = git.Repo(run_dir / "original").iter_commits()
    assert [c.message.strip() for c in commits][::-1] == [
        "write lru_ttl.py [journal #1 (plan)]",
        "write test_smoke.py [journal #2 (step)]",
    ]


def test_the_trial_budget_stops_the_agents_and_says_why(tmp_path: Path, task_dir: Path) -> None:
    script = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())["outputs"]
    builder = MockModel("priced", script, cost_per_call=0.01)
    regenerators = yaml.safe_load((SCRIPTS / "regenerator.yaml").read_text())["outputs"]
    [result] = run_trials(
        task_dir,
        builder_model=builder,
        regenerator_model=lambda arm: MockModel("priced", regenerators, cost_per_call=0.01),
        max_cost=0.05,
        out=tmp_path / "runs",
    )
    assert result.builder is not None and result.builder.stop_reason == "max_cost"
    assert result.builder.turns == 5  # the fifth call reaches $0.05
    assert {r.stop_reason for r in result.regenerators.values()} == {"max_cost"}
    assert all(r.turns == 1 for r in result.regenerators.values())


def test_arm_budget() -> None:
    from experiments._workflow import arm_budget

    assert arm_budget(None, 0.3, 2) is None
    assert arm_budget(1.0, 0.4, 2) == pytest.approx(0.3)
    assert arm_budget(1.0, None, 4) == pytest.approx(0.25)
    assert 0 < arm_budget(1.0, 2.0, 2) < 1e-8  # type: ignore[operator]
