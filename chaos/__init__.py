"""The chaos lab: a local web world (a shop on 127.0.0.1) driven by web agents through
Playwright and Debian's Chromium, a catalogue of seeded faults that each prove they fired, chaos
experiments as Chaos Toolkit defines them (steady state before and after, method, rollbacks),
the damage measured with intervals, and faults injected into the journal-and-regenerate
pipeline (`experiment run … --chaos FILE`).

Names are imported on first use, so that `experiment --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chaos._agents import HeuristicAgent, OracleAgent, Outcome
    from chaos._browser import Browser, Tab, browser_problem
    from chaos._commands import (
        TaskProof,
        check_web_tasks,
        list_web_tasks,
        probe_faults,
        serve_world,
    )
    from chaos._config import (
        BUNDLED,
        BUNDLED_PIPELINE,
        AgentSpec,
        ChaosConfig,
        Hypothesis,
        Method,
        PipelineChaos,
        load_config,
        load_pipeline_chaos,
    )
    from chaos._episode import Episode, run_episode
    from chaos._errors import BrowserMissing, ChaosConfigError, ChaosError
    from chaos._experiment import ChaosSummary, resume_chaos, run_chaos
    from chaos._faults import PipelineFault, WebFault
    from chaos._llm import BrowserToolbox, LlmAgent
    from chaos._metrics import ConditionStats, FidelityRow, Verdict
    from chaos._model_faults import FaultyModel
    from chaos._pipeline import (
        FaultOutcome,
        Injection,
        PipelineChaosResult,
        probe_pipeline_fault,
        run_pipeline_chaos,
    )
    from chaos._probes import ProbeResult, probe
    from chaos._report import write_report
    from chaos._schedule import Schedule
    from chaos._server import WebWorld
    from chaos._tasks import WebTask, load_tasks

_EXPORTS = {
    "HeuristicAgent": "chaos._agents",
    "OracleAgent": "chaos._agents",
    "Outcome": "chaos._agents",
    "Browser": "chaos._browser",
    "Tab": "chaos._browser",
    "browser_problem": "chaos._browser",
    "TaskProof": "chaos._commands",
    "check_web_tasks": "chaos._commands",
    "list_web_tasks": "chaos._commands",
    "probe_faults": "chaos._commands",
    "serve_world": "chaos._commands",
    "BUNDLED": "chaos._config",
    "BUNDLED_PIPELINE": "chaos._config",
    "AgentSpec": "chaos._config",
    "ChaosConfig": "chaos._config",
    "Hypothesis": "chaos._config",
    "Method": "chaos._config",
    "PipelineChaos": "chaos._config",
    "load_config": "chaos._config",
    "load_pipeline_chaos": "chaos._config",
    "Episode": "chaos._episode",
    "run_episode": "chaos._episode",
    "BrowserMissing": "chaos._errors",
    "ChaosConfigError": "chaos._errors",
    "ChaosError": "chaos._errors",
    "ChaosSummary": "chaos._experiment",
    "resume_chaos": "chaos._experiment",
    "run_chaos": "chaos._experiment",
    "PipelineFault": "chaos._faults",
    "WebFault": "chaos._faults",
    "BrowserToolbox": "chaos._llm",
    "LlmAgent": "chaos._llm",
    "ConditionStats": "chaos._metrics",
    "FidelityRow": "chaos._metrics",
    "Verdict": "chaos._metrics",
    "FaultyModel": "chaos._model_faults",
    "FaultOutcome": "chaos._pipeline",
    "Injection": "chaos._pipeline",
    "PipelineChaosResult": "chaos._pipeline",
    "probe_pipeline_fault": "chaos._pipeline",
    "run_pipeline_chaos": "chaos._pipeline",
    "ProbeResult": "chaos._probes",
    "probe": "chaos._probes",
    "write_report": "chaos._report",
    "Schedule": "chaos._schedule",
    "WebWorld": "chaos._server",
    "WebTask": "chaos._tasks",
    "load_tasks": "chaos._tasks",
}

__all__ = [
    "BUNDLED",
    "BUNDLED_PIPELINE",
    "AgentSpec",
    "Browser",
    "BrowserMissing",
    "BrowserToolbox",
    "ChaosConfig",
    "ChaosConfigError",
    "ChaosError",
    "ChaosSummary",
    "ConditionStats",
    "Episode",
    "FaultOutcome",
    "FaultyModel",
    "FidelityRow",
    "HeuristicAgent",
    "Hypothesis",
    "Injection",
    "LlmAgent",
    "Method",
    "OracleAgent",
    "Outcome",
    "PipelineChaos",
    "PipelineChaosResult",
    "PipelineFault",
    "ProbeResult",
    "Schedule",
    "Tab",
    "TaskProof",
    "Verdict",
    "WebFault",
    "WebTask",
    "WebWorld",
    "browser_problem",
    "check_web_tasks",
    "list_web_tasks",
    "load_config",
    "load_pipeline_chaos",
    "load_tasks",
    "probe",
    "probe_faults",
    "probe_pipeline_fault",
    "resume_chaos",
    "run_chaos",
    "run_episode",
    "run_pipeline_chaos",
    "serve_world",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chaos' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
