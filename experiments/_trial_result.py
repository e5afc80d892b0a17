"""A trial's typed result, built from what the workflow holds in memory, and its caveats."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from agents import AgentRun
from agents.models import Usage
from analysis import AnalysisResult, HiddenTestRun
from experiments._config import RunConfig
from experiments._results import TrialResult, TrialStatus, fidelity
from experiments._rundir import RunDir, RunRecord

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


def trial_result(
    run: RunDir,
    record: RunRecord,
    state: Mapping[str, Any],
    status: TrialStatus,
    *,
    analyses: Mapping[str, AnalysisResult],
    error: str | None = None,
    failed_attempts: Mapping[str, Usage] | None = None,
) -> TrialResult:
    """The typed result of a trial from the workflow state (complete or not)."""
    config = record.config
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
        run_id=run.name,
        run_dir=str(run.path),
        task=record.task,
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
        headlines=headlines(analyses),
        timings=dict(state.get("timings", {})),
        failed_attempts=dict(failed_attempts or {}),
        notes=notes(config, record.sandbox),
        started_at=record.created,
        finished_at=datetime.now(UTC),
    )


def as_agent_run(data: dict[str, Any] | None) -> AgentRun | None:
    """An AgentRun back from checkpointed state."""
    return AgentRun.model_validate(data) if data else None


def headlines(analyses: Mapping[str, AnalysisResult]) -> dict[str, dict[str, float | None]]:
    """The numbers a reader looks at first, per arm (empty before the analysis)."""
    found = {}
    for arm, result in analyses.items():
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
