"""The journal-and-regenerate workflow as a LangGraph StateGraph, checkpointed to SQLite.

build → seal_journal → regenerate (one branch per arm, fanned out with Send) → analyze →
write_results. The task, the models, the sandbox and the run directory reach the nodes through
the runtime context (LangGraph's `Runtime[TrialContext]`); a killed run resumes from the last
completed step.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, TypedDict

# LangGraph reads the nodes' type hints when it builds the graph: these must exist at run time.
from langgraph.runtime import Runtime
from langgraph.types import Send

from agents import (
    AgentContext,
    AgentLimits,
    AgentModelError,
    AgentRun,
    Arm,
    Journal,
    ModelError,
    Toolbox,
    ToolMiddleware,
    Workspace,
    builder_prompt,
    regenerator_prompt,
    run_agent,
)
from agents.models import Model, Usage
from analysis import AnalysisResult, HiddenTestRun, analyze
from experiments._config import RunConfig
from experiments._errors import ExperimentsError
from experiments._events import (
    AgentStarted,
    Comparing,
    EventHandler,
    JournalSealed,
    ResultsWritten,
    TestsFinished,
    TestsStarted,
    ignore,
)
from experiments._results import TrialResult, TrialStatus
from experiments._rundir import RunDir, RunRecord
from experiments._tasks import LoadedTask
from experiments._trial_result import trial_result
from sandbox import Sandbox

if TYPE_CHECKING:
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.graph.state import CompiledStateGraph

TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504, 529}


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

    run: RunDir
    record: RunRecord
    """run.yaml, as written when the trial began."""
    task: LoadedTask
    builder: Model
    regenerators: dict[str, Model]
    sandbox: Sandbox
    on_event: EventHandler = field(default=ignore)
    failed_attempts: dict[str, Usage] = field(default_factory=dict)
    """Per role, what agent runs lost to a model outage spent (the node may run them again)."""
    analyses: dict[str, AnalysisResult] | None = None
    """Per arm, the comparison with the original, once the analyze step made it."""
    result: TrialResult | None = None
    """The trial's result, once write_results wrote it."""
    tool_middleware: Callable[[str], ToolMiddleware | None] | None = None
    """Given an agent's role, what wraps its tool calls (None: nothing does)."""
    _collection: Future[Collection] | None = field(default=None, init=False, repr=False)

    @property
    def config(self) -> RunConfig:
        """The trial's configuration."""
        return self.record.config

    @property
    def run_dir(self) -> Path:
        """The run directory's path."""
        return self.run.path

    def middleware(self, role: str) -> ToolMiddleware | None:
        """The middleware around the tool calls of the agent in `role`, if any."""
        return None if self.tool_middleware is None else self.tool_middleware(role)

    def collect_early(self) -> Future[Collection]:
        """Start collecting the hidden tests on the reference, in the background (once).

        The collection needs no codebase of the trial: run while the agents wait on their
        models, it keeps a core busy that would idle, and the analysis finds it done.
        """
        if self._collection is None:
            self._collection = _COLLECTORS.submit(_timed_collection, self.task, self.sandbox)
        return self._collection

    def collection(self) -> Collection:
        """The hidden tests collected on the reference: started early, or now."""
        return self.collect_early().result()

    def attempt(self, role: str, run: Callable[[], AgentRun]) -> AgentRun:
        """`run()`, keeping what it spent when a model outage ends it."""
        try:
            return run()
        except AgentModelError as exc:
            self.failed_attempts[role] = self.failed_attempts.get(role, Usage.zero()) + exc.spent
            raise

    def finish(
        self, state: Mapping[str, Any], status: TrialStatus, error: str | None = None
    ) -> TrialResult:
        """Write results.json and usage.json for the state reached; the result, kept in memory."""
        if self.analyses is None:  # analyzed before a restart: by an earlier process
            self.analyses = self.run.read_analysis()
        self.result = trial_result(
            self.run,
            self.record,
            state,
            status,
            analyses=self.analyses,
            error=error,
            failed_attempts=self.failed_attempts,
        )
        self.run.write_results(self.result)
        return self.result


class Collection(NamedTuple):
    """The hidden tests' node ids collected on the reference (None without one), and how long
    collecting took."""

    expected: list[str] | None
    duration_s: float


# Collections wait on the sandbox's CPU slots more than they run: a few threads are plenty.
_COLLECTORS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="collect-hidden-tests")


def _timed_collection(task: LoadedTask, sandbox: Sandbox) -> Collection:
    started = time.monotonic()
    expected, _ = task.hidden_tests.collect(sandbox)
    return Collection(expected, time.monotonic() - started)


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
    path = context.run.transcript(name)
    path.unlink(missing_ok=True)
    return path


def build_node(state: TrialState, runtime: Runtime[TrialContext]) -> TrialState:
    """The builder builds the codebase in original/ and keeps its journal."""
    context = runtime.context
    config = context.config
    context.on_event(AgentStarted("build", context.builder.id))
    workspace = Workspace(_fresh(context.run.original))
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
        middleware=context.middleware("builder"),
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


def seal_journal_node(state: TrialState, runtime: Runtime[TrialContext]) -> TrialState:
    """The journal is sealed: from here on it is what the regenerators get."""
    context = runtime.context
    journal = Journal.load(context.run_dir)
    journal.sealed = True
    journal.save(context.run_dir)
    context.on_event(JournalSealed(len(journal.entries)))
    return {"steps": {"seal_journal": "done"}}


def fan_out(state: TrialState, runtime: Runtime[TrialContext]) -> list[Send]:
    """One regenerate branch per arm."""
    context = runtime.context
    config = context.config
    build_cost = (state.get("build") or {}).get("usage", {}).get("cost_usd")
    budget = arm_budget(config.max_cost_usd, build_cost, len(config.arms))
    return [Send("regenerate", ArmInput(arm=arm, budget=budget)) for arm in config.arms]


def regenerate_node(state: ArmInput, runtime: Runtime[TrialContext]) -> TrialState:
    """One arm's regenerator rebuilds the codebase from what its arm gives it."""
    context = runtime.context
    arm = state["arm"]
    model = context.regenerators[arm]
    context.on_event(AgentStarted(f"regenerate:{arm}", model.id))
    workspace = Workspace(_fresh(context.run.regenerated(arm)))
    toolbox = Toolbox(
        workspace,
        context.sandbox,
        commit_label=lambda: f"regenerate, arm {arm}",
        middleware=context.middleware(f"regenerator:{arm}"),
    )
    limits = _limits(context, model, state.get("budget"))
    journal_md = context.run.file(RunDir.JOURNAL_MD).read_text(encoding="utf-8")
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


def analyze_node(state: TrialState, runtime: Runtime[TrialContext]) -> TrialState:
    """The hidden tests on every codebase, then each arm compared with the original."""
    context = runtime.context
    hidden = context.task.hidden_tests
    started = time.monotonic()
    # The reference fixes which tests exist, so a codebase that breaks collection still counts them.
    expected, collect_s = context.collection()
    codebases = {"original": context.run.original}
    codebases |= {arm: context.run.regenerated(arm) for arm in context.config.arms}
    runs: dict[str, HiddenTestRun] = {}
    for name, folder in codebases.items():
        context.on_event(TestsStarted(name))
        runs[name] = hidden.run(folder, expected, context.sandbox)
        context.on_event(TestsFinished(name, runs[name].pass_rate))
    context.analyses = _compare(context, runs)
    context.run.write_analysis(context.analyses)
    timings = {"collect_hidden_tests": collect_s, "analyze": time.monotonic() - started}
    tests = {name: run.model_dump(mode="json") for name, run in runs.items()}
    return {"tests": tests, "steps": {"analyze": "done"}, "timings": timings}


def _compare(context: TrialContext, runs: dict[str, HiddenTestRun]) -> dict[str, AnalysisResult]:
    """Per arm, the full comparison of the original with that arm's regeneration."""
    journal = context.run.file(RunDir.JOURNAL_MD).read_text(encoding="utf-8")
    results: dict[str, AnalysisResult] = {}
    for arm in context.config.arms:
        context.on_event(Comparing(arm))
        results[arm] = analyze(
            context.run.original,
            context.run.regenerated(arm),
            test_runs=(runs["original"], runs[arm]),
            journal=journal,
        )
    return results


def write_results_node(state: TrialState, runtime: Runtime[TrialContext]) -> TrialState:
    """results.json and usage.json of the completed trial."""
    context = runtime.context
    done = {**state.get("steps", {}), "write_results": "done"}
    context.finish({**state, "steps": done}, "completed")
    context.on_event(ResultsWritten(str(context.run_dir)))
    return {"steps": {"write_results": "done"}}


def build_graph(checkpointer: SqliteSaver | None) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled workflow graph, checkpointed by `checkpointer`."""
    # Compiled once per process (~7 ms, under the GIL, for every trial otherwise); a copy
    # shares the nodes and takes the run's own checkpointer.
    return _compiled().copy({"checkpointer": checkpointer})


@cache
def _compiled() -> CompiledStateGraph[Any, Any, Any, Any]:
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import RetryPolicy

    retry = RetryPolicy(max_attempts=3, retry_on=_transient)
    graph = StateGraph(TrialState, context_schema=TrialContext)
    graph.add_node("build", build_node, retry_policy=retry)
    graph.add_node("seal_journal", seal_journal_node)
    graph.add_node("regenerate", regenerate_node, retry_policy=retry)
    graph.add_node("analyze", analyze_node)
    graph.add_node("write_results", write_results_node)
    graph.add_edge(START, "build")
    graph.add_edge("build", "seal_journal")
    graph.add_conditional_edges("seal_journal", fan_out, ["regenerate"])
    graph.add_edge("regenerate", "analyze")
    graph.add_edge("analyze", "write_results")
    graph.add_edge("write_results", END)
    return graph.compile()


def checkpointer(run: RunDir) -> SqliteSaver:
    """The run's SQLite checkpointer (langgraph-checkpoint-sqlite)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    connection = sqlite3.connect(run.file(RunDir.CHECKPOINT), check_same_thread=False)
    # WAL with synchronous=NORMAL: a checkpoint survives the process being killed (what resume
    # is for), without an fsync per step; only a power loss could undo the last steps.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return SqliteSaver(connection)
