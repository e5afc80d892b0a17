"""The journal-and-regenerate workflow as a LangGraph StateGraph, checkpointed to SQLite.

load_task → build → seal_journal → regenerate (one branch per arm, fanned out with Send)
→ analyze → write_results. Models, the sandbox and the run directory reach the nodes through
the runtime context; a killed run resumes from the last completed step.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypedDict

from agents import (
    AgentContext,
    AgentLimits,
    AgentModelError,
    AgentRun,
    Arm,
    Journal,
    ModelError,
    Toolbox,
    Workspace,
    builder_prompt,
    regenerator_prompt,
    run_agent,
)
from agents.models import Model, Usage
from analysis import HiddenTestRun, analyze
from experiments._config import RunConfig
from experiments._errors import ExperimentsError
from experiments._tasks import LoadedTask
from sandbox import Sandbox

CHECKPOINT_FILE = "checkpoint.sqlite"
"""The run's LangGraph checkpoint: a run that has one got past its start and can resume."""
TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504, 529}
EventHandler = Callable[[dict[str, Any]], None]


def _merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {**left, **right}


class TrialState(TypedDict, total=False):
    """What the workflow has produced so far (JSON-friendly, so it checkpoints)."""

    steps: Annotated[dict[str, str], _merge]
    build: dict[str, Any]
    regenerated: Annotated[dict[str, dict[str, Any]], _merge]
    tests: Annotated[dict[str, dict[str, Any]], _merge]
    timings: Annotated[dict[str, float], _merge]


class ArmInput(TypedDict):
    """What one regenerate branch receives through Send."""

    arm: Arm
    budget: float | None
    """This regenerator's share of what the trial's budget left after the build (USD)."""


@dataclass
class TrialContext:
    """Injected into every node: nothing is constructed inside the graph."""

    run_dir: Path
    task: LoadedTask
    config: RunConfig
    builder: Model
    regenerators: dict[str, Model]
    sandbox: Sandbox
    on_event: EventHandler = field(default=lambda event: None)
    failed_attempts: dict[str, Usage] = field(default_factory=dict)
    """Per role, what agent runs lost to a model outage spent (the node may run them again)."""

    def attempt(self, role: str, run: Callable[[], AgentRun]) -> AgentRun:
        """`run()`, keeping what it spent when a model outage ends it."""
        try:
            return run()
        except AgentModelError as exc:
            self.failed_attempts[role] = self.failed_attempts.get(role, Usage.zero()) + exc.spent
            raise


def _transient(exc: Exception) -> bool:
    """Node retries are for model outages that outlived the model's own retries."""
    return isinstance(exc, ModelError) and exc.status_code in TRANSIENT_STATUS


def _limits(context: TrialContext, model: Model, budget: float | None) -> AgentLimits:
    spec = context.task.spec.limits
    config = context.config
    return AgentLimits(
        max_turns=config.turns(model.id, spec.max_turns),
        max_output_tokens=spec.max_output_tokens,
        timeout_s=spec.timeout_s,
        max_cost_usd=budget,
        tokens_per_turn=config.turn_tokens(model.id),
    )


def arm_budget(trial_budget: float | None, build_cost: float | None, arms: int) -> float | None:
    """Each regenerator's share of the trial budget left after the build.

    An unknown build cost (no price for the model) leaves the whole budget to share.
    """
    if trial_budget is None:
        return None
    left = trial_budget - (build_cost or 0.0)
    # A spent budget still gives each regenerator a sliver: its first call then stops it cleanly.
    return max(left, 1e-9) / max(arms, 1)


class ModelNeverAnswered(ExperimentsError):
    """An agent got no reply at all from its model: the trial is failed, not a result."""


def _require_answers(run: AgentRun) -> None:
    """A run whose model never answered measures nothing: fail the trial (retry can rerun it)."""
    if run.replies == 0 and run.stop_reason in ("model_error", "timeout"):
        why = run.error or run.stop_reason
        raise ModelNeverAnswered(
            f"{run.role}: the model {run.model} never answered ({why}); the trial is failed, "
            "not scored; fix: check the model or its server, then `experiment retry --failed` "
            "(or `experiment resume` for one run)"
        )


def _fresh(folder: Path) -> Path:
    """An empty folder: what a killed attempt left there is discarded."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _transcript(context: TrialContext, name: str) -> Path:
    path = context.run_dir / "transcripts" / f"{name}.jsonl"
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    return path


def load_task_node(state: TrialState, runtime: Any) -> TrialState:
    context: TrialContext = runtime.context
    context.on_event({"step": "load_task", "task": context.task.id})
    return {"steps": {"load_task": "done"}}


def build_node(state: TrialState, runtime: Any) -> TrialState:
    context: TrialContext = runtime.context
    config = context.config
    context.on_event({"step": "build", "model": context.builder.id})
    workspace = Workspace(_fresh(context.run_dir / "original"))
    journal = Journal(
        task=context.task.id, style=config.journal_style, code_policy=config.code_policy
    )
    if context.task.visible_tests_dir is not None:
        shutil.copytree(context.task.visible_tests_dir, workspace.root / "visible_tests")
        workspace.commit_all("add the task's visible tests")
    toolbox = Toolbox(
        workspace,
        context.sandbox,
        journal=journal,
        commit_label=lambda: journal.last.label if journal.last else "before any journal entry",
    )
    limits = _limits(context, context.builder, config.max_cost_usd)
    agent = AgentContext(
        role="builder",
        model=context.builder,
        toolbox=toolbox,
        limits=limits,
        transcript=_transcript(context, "builder"),
        on_event=context.on_event,
        seed=config.seed,
    )
    system = builder_prompt(config.journal_style, config.code_policy, limits.describe())
    run = context.attempt("builder", lambda: run_agent(system, context.task.spec.prompt, agent))
    _require_answers(run)
    journal.save(context.run_dir)
    return {
        "build": run.model_dump(mode="json"),
        "steps": {"build": "done"},
        "timings": {"build": run.duration_s},
    }


def seal_journal_node(state: TrialState, runtime: Any) -> TrialState:
    context: TrialContext = runtime.context
    journal = Journal.load(context.run_dir)
    journal.sealed = True
    journal.save(context.run_dir)
    context.on_event({"step": "seal_journal", "entries": len(journal.entries)})
    return {"steps": {"seal_journal": "done"}}


def fan_out(state: TrialState, runtime: Any) -> list[Any]:
    """One regenerate branch per arm."""
    from langgraph.types import Send

    context: TrialContext = runtime.context
    config = context.config
    build_cost = (state.get("build") or {}).get("usage", {}).get("cost_usd")
    budget = arm_budget(config.max_cost_usd, build_cost, len(config.arms))
    return [Send("regenerate", ArmInput(arm=arm, budget=budget)) for arm in config.arms]


def regenerate_node(state: ArmInput, runtime: Any) -> TrialState:
    context: TrialContext = runtime.context
    arm = state["arm"]
    model = context.regenerators[arm]
    context.on_event({"step": f"regenerate:{arm}", "model": model.id})
    workspace = Workspace(_fresh(context.run_dir / "regenerated" / arm))
    toolbox = Toolbox(workspace, context.sandbox, commit_label=lambda: f"regenerate, arm {arm}")
    limits = _limits(context, model, state.get("budget"))
    journal_md = (context.run_dir / "journal.md").read_text(encoding="utf-8")
    system = regenerator_prompt(
        arm, task_prompt=context.task.spec.prompt, journal_md=journal_md, limits=limits.describe()
    )
    agent = AgentContext(
        role=f"regenerator:{arm}",
        model=model,
        toolbox=toolbox,
        limits=limits,
        transcript=_transcript(context, f"regenerator-{arm}"),
        on_event=context.on_event,
        seed=context.config.seed,
    )
    run = context.attempt(
        f"regenerator:{arm}", lambda: run_agent(system, "Build the codebase now.", agent)
    )
    _require_answers(run)
    return {
        "regenerated": {arm: run.model_dump(mode="json")},
        "steps": {f"regenerate:{arm}": "done"},
        "timings": {f"regenerate:{arm}": run.duration_s},
    }


def analyze_node(state: TrialState, runtime: Any) -> TrialState:
    context: TrialContext = runtime.context
    hidden = context.task.hidden_tests
    started = time.monotonic()
    # The reference fixes which tests exist, so a codebase that breaks collection still counts them.
    expected, _ = hidden.collect(context.sandbox)
    collect_s = time.monotonic() - started
    codebases = {"original": context.run_dir / "original"}
    codebases |= {arm: context.run_dir / "regenerated" / arm for arm in context.config.arms}
    tests: dict[str, dict[str, Any]] = {}
    for name, folder in codebases.items():
        context.on_event({"step": "analyze", "codebase": name})
        run = hidden.run(folder, expected, context.sandbox)
        tests[name] = run.model_dump(mode="json")
        context.on_event({"step": "analyze", "codebase": name, "pass_rate": run.pass_rate})
    _write_analysis(context, tests)
    timings = {"collect_hidden_tests": collect_s, "analyze": time.monotonic() - started}
    return {"tests": tests, "steps": {"analyze": "done"}, "timings": timings}


def _write_analysis(context: TrialContext, tests: dict[str, dict[str, Any]]) -> None:
    """analysis.json: the full comparison of the original with each arm's regeneration."""
    journal = (context.run_dir / "journal.md").read_text(encoding="utf-8")
    original = HiddenTestRun.model_validate(tests["original"])
    results = {}
    for arm in context.config.arms:
        context.on_event({"step": "analyze", "codebase": arm, "comparing": True})
        runs = (original, HiddenTestRun.model_validate(tests[arm]))
        result = analyze(
            context.run_dir / "original",
            context.run_dir / "regenerated" / arm,
            test_runs=runs,
            journal=journal,
        )
        results[arm] = result.model_dump(mode="json")
    path = context.run_dir / "analysis.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")


def write_results_node(state: TrialState, runtime: Any) -> TrialState:
    context: TrialContext = runtime.context
    from experiments._rundir import write_results

    done = {**state.get("steps", {}), "write_results": "done"}
    write_results(
        context.run_dir,
        {**state, "steps": done},
        status="completed",
        failed_attempts=context.failed_attempts,
    )
    context.on_event({"step": "write_results"})
    return {"steps": {"write_results": "done"}}


def build_graph(checkpointer: Any) -> Any:
    """The compiled workflow graph."""
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import RetryPolicy

    retry = RetryPolicy(max_attempts=3, retry_on=_transient)
    graph = StateGraph(TrialState, context_schema=TrialContext)
    graph.add_node("load_task", load_task_node)
    graph.add_node("build", build_node, retry_policy=retry)
    graph.add_node("seal_journal", seal_journal_node)
    graph.add_node("regenerate", regenerate_node, retry_policy=retry)
    graph.add_node("analyze", analyze_node)
    graph.add_node("write_results", write_results_node)
    graph.add_edge(START, "load_task")
    graph.add_edge("load_task", "build")
    graph.add_edge("build", "seal_journal")
    graph.add_conditional_edges("seal_journal", fan_out, ["regenerate"])
    graph.add_edge("regenerate", "analyze")
    graph.add_edge("analyze", "write_results")
    graph.add_edge("write_results", END)
    return graph.compile(checkpointer=checkpointer)


def checkpointer(run_dir: Path) -> Any:
    """The run's SQLite checkpointer (langgraph-checkpoint-sqlite)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    connection = sqlite3.connect(run_dir / CHECKPOINT_FILE, check_same_thread=False)
    return SqliteSaver(connection)


def as_agent_run(data: dict[str, Any] | None) -> AgentRun | None:
    """An AgentRun back from checkpointed state."""
    return AgentRun.model_validate(data) if data else None
