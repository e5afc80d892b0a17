"""The run directory: run.yaml in, results.json and usage.json out (README, "Run directory")."""

from __future__ import annotations

import json
import platform
import uuid
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml

from agents.models import Usage
from analysis import AnalysisResult, HiddenTestRun
from experiments._config import RunConfig
from experiments._errors import ExperimentsError
from experiments._results import TrialResult, TrialStatus, fidelity, usage_by_role
from experiments._workflow import as_agent_run
from usererrors import read_yaml

RUN_FILE = "run.yaml"
_PACKAGES = ("regenlab", "langgraph", "langchain-core", "pydantic", "llama-cpp-python", "radon")
_SMOKE_NOTE = (
    "{model} is a small embedded model (at most 1.5B parameters, 4-bit, on the CPU, with short "
    "turn limits): these numbers show what such a model does, not what a capable coding agent "
    "does. Use a stronger model for findings."
)
_MOCK_NOTE = "{model} replays a script: a test double, not a model result."
LOCAL_SANDBOX_NOTE = (
    "The sandbox was 'local' (plain subprocesses, no namespaces): the arms were not isolated "
    "from the original, and a regenerator's run tool could read ../../original. The "
    "regenerated results are not trustworthy as a leakage-free measurement; install "
    "bubblewrap (Debian package `bubblewrap`) or use --sandbox docker, and run again."
)
"""The note a run under the `local` backend carries (chosen, or the fallback of `auto`)."""


def new_run_dir(out: Path, task_id: str) -> Path:
    """runs/<timestamp>-<task>-<shortid>/, created."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = out / f"{stamp}-{task_id}-{uuid.uuid4().hex[:6]}"
    run_dir.mkdir(parents=True)
    return run_dir


def versions() -> dict[str, str]:
    """Versions of Python, the platform and the packages that shape a result."""
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def write_run_file(run_dir: Path, config: RunConfig, task_id: str, backend: str) -> None:
    """run.yaml: the full resolved configuration, versions and the sandbox backend."""
    data = {
        "run_id": run_dir.name,
        "task": task_id,
        "created": datetime.now(UTC).isoformat(),
        "config": config.model_dump(mode="json"),
        "sandbox": backend,
        "versions": versions(),
    }
    (run_dir / RUN_FILE).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def read_run_file(run_dir: Path) -> dict[str, Any]:
    """run.yaml of an existing run, or an error saying what is missing."""
    path = run_dir / RUN_FILE
    if not path.is_file():
        raise ExperimentsError(
            f"{path}: not found; fix: give a run directory made by `experiment run`"
        )
    data = read_yaml(path, ExperimentsError)
    if not isinstance(data, dict) or "config" not in data:
        raise ExperimentsError(f"{path}: field 'config' is missing; fix: rerun the experiment")
    return data


def trial_result(
    run_dir: Path,
    state: dict[str, Any],
    status: TrialStatus,
    error: str | None = None,
    failed_attempts: dict[str, Usage] | None = None,
) -> TrialResult:
    """The typed result of a trial from the workflow state (complete or not)."""
    run = read_run_file(run_dir)
    config = RunConfig.model_validate(run["config"])
    tests = {name: HiddenTestRun.model_validate(t) for name, t in state.get("tests", {}).items()}
    rates = {name: t.pass_rate for name, t in tests.items()}
    original = rates.get("original")
    fidelities = {
        arm: fidelity(original, rates[arm])
        for arm in config.arms
        if original is not None and arm in rates
    }
    regenerators = {arm: as_agent_run(r) for arm, r in state.get("regenerated", {}).items()}
    return TrialResult(
        run_id=run_dir.name,
        run_dir=str(run_dir),
        task=run["task"],
        status=status,
        error=error,
        steps=dict(state.get("steps", {})),
        models={"builder": config.builder_model, "regenerator": config.regenerator_model},
        arms=list(config.arms),
        journal_style=config.journal_style,
        code_policy=str(config.code_policy),
        builder=as_agent_run(state.get("build")),
        regenerators={arm: r for arm, r in regenerators.items() if r is not None},
        tests=tests,
        pass_rates=rates,
        fidelity=fidelities,
        headlines=headlines(run_dir),
        timings=dict(state.get("timings", {})),
        failed_attempts=dict(failed_attempts or {}),
        notes=notes(config, run.get("sandbox")),
        started_at=datetime.fromisoformat(run["created"]),
        finished_at=datetime.now(UTC),
    )


def headlines(run_dir: Path) -> dict[str, dict[str, float | None]]:
    """The numbers a reader looks at first, per arm, from analysis.json (empty before it)."""
    path = run_dir / "analysis.json"
    if not path.is_file():
        return {}
    found = {}
    for arm, data in json.loads(path.read_text(encoding="utf-8")).items():
        result = AnalysisResult.model_validate(data)
        journal = result.journal
        found[arm] = {
            "text_similarity": result.similarity.text_overall,
            "ast_similarity": result.similarity.ast_overall,
            "api_match": result.structure.api.match_rate,
            "leakage": journal.leakage if journal else None,
            "compression": journal.compression if journal else None,
            "journal_tokens": float(journal.journal_tokens) if journal else None,
            "fidelity_per_1k_journal_tokens": result.fidelity_per_1k_journal_tokens,
        }
    return found


def notes(config: RunConfig, sandbox: str | None = None) -> list[str]:
    """Caveats that belong next to the numbers of a run; `sandbox` is the backend run.yaml
    records."""
    found = [LOCAL_SANDBOX_NOTE] if sandbox == "local" else []
    for model in dict.fromkeys([config.builder_model, config.regenerator_model]):
        if model.startswith("local/"):
            found.append(_SMOKE_NOTE.format(model=model))
        elif model.startswith("mock/"):
            found.append(_MOCK_NOTE.format(model=model))
    return found


def write_results(
    run_dir: Path,
    state: dict[str, Any],
    status: TrialStatus,
    error: str | None = None,
    failed_attempts: dict[str, Usage] | None = None,
) -> TrialResult:
    """results.json and usage.json for the state reached so far; `failed_attempts` is what agent
    runs lost to a model outage spent, per role."""
    result = trial_result(run_dir, state, status, error, failed_attempts)
    (run_dir / "results.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    usage = {role: u.model_dump(mode="json") for role, u in usage_by_role(result).items()}
    (run_dir / "usage.json").write_text(json.dumps(usage, indent=2), encoding="utf-8")
    return result
