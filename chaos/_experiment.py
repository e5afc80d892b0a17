"""A chaos experiment, run as Chaos Toolkit runs one: probe every fault, check the steady-state
hypothesis on baseline episodes, run the method (faults x agents x tasks x trials) with the
rollbacks after each episode, check the hypothesis again, write the journal and the report.

Episodes are appended to episodes.jsonl as they finish; resuming skips the ones there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from chaos._actions import StepRecord
from chaos._agents import HeuristicAgent, OracleAgent
from chaos._browser import Browser
from chaos._config import BUNDLED, AgentSpec, ChaosConfig, load_config
from chaos._episode import Episode, Phase, WebAgent, episode_key, run_episode
from chaos._errors import ChaosConfigError
from chaos._faults import WebFault
from chaos._metrics import (
    ConditionStats,
    FidelityRow,
    Verdict,
    condition_stats,
    fidelity,
    verdict,
)
from chaos._probes import ProbeResult, probe
from chaos._rundir import ChaosRunDir
from chaos._server import WebWorld
from chaos._tasks import WebTask, bundled_tasks, select_tasks

Progress = Callable[[str], None]


class ChaosSummary(BaseModel):
    """What a chaos run found (the report has the rest)."""

    run_dir: str
    status: str
    """completed, or deviated (the steady state did not hold before the method)."""
    before: Verdict
    after: Verdict | None
    probes: list[ProbeResult]
    stats: list[ConditionStats]
    fidelity: list[FidelityRow]
    episodes: int
    report: str
    """report.md's path."""


class _Job(NamedTuple):
    phase: Phase
    agent: WebAgent
    spec: AgentSpec
    task: WebTask
    fault: WebFault | None
    trial: int


def run_chaos(
    config: Path | None = None,
    *,
    out: Path | None = None,
    tasks: list[str] | None = None,
    faults: list[str] | None = None,
    agents: list[str] | None = None,
    on_event: Progress | None = None,
) -> ChaosSummary:
    """Run a chaos experiment (the bundled one by default) into a new run directory.

    `tasks`, `faults` (kinds) and `agents` (names) narrow the config's method.
    """
    spec = narrow(load_config(config or BUNDLED), tasks=tasks, faults=faults, agents=agents)
    _check_models(spec)  # a bad model string is one line, before the run directory exists
    run = ChaosRunDir.new(out, spec)
    return _execute(run, spec, on_event or (lambda line: None))


def resume_chaos(run_dir: Path, *, on_event: Progress | None = None) -> ChaosSummary:
    """Continue a chaos run: episodes already in episodes.jsonl are not run again."""
    run = ChaosRunDir.existing(run_dir)
    return _execute(run, run.config(), on_event or (lambda line: None))


def narrow(
    spec: ChaosConfig,
    *,
    tasks: list[str] | None = None,
    faults: list[str] | None = None,
    agents: list[str] | None = None,
) -> ChaosConfig:
    """The config with its method cut to the given tasks, fault kinds and agent names."""
    method = spec.method
    if tasks:
        select_tasks(bundled_tasks(), tasks)  # unknown ids: one line
        method = method.model_copy(update={"tasks": tasks})
    if faults:
        kept = [f for f in method.faults if f.kind_name in faults]
        if not kept:
            known = sorted({f.kind_name for f in method.faults})
            raise ChaosConfigError(f"--faults: none of {faults} is in the config; fix: use {known}")
        method = method.model_copy(update={"faults": kept})
    if agents:
        names = [a.name for a in spec.agents]
        unknown = [a for a in agents if a not in names]
        if unknown:
            raise ChaosConfigError(f"--agents: unknown {unknown}; fix: use {names}")
        method = method.model_copy(update={"agents": agents})
        hypothesis = spec.steady_state.model_copy(
            update={"agents": [a for a in spec.steady_state.agents if a in agents]}
        )
        spec = spec.model_copy(update={"steady_state": hypothesis})
    return spec.model_copy(update={"method": method})


def _execute(run: ChaosRunDir, spec: ChaosConfig, say: Progress) -> ChaosSummary:
    started = datetime.now(UTC)
    tasks = select_tasks(bundled_tasks(), spec.method.tasks)
    wanted_after = spec.steady_state.after_tasks
    after_tasks = select_tasks(bundled_tasks(), wanted_after) if wanted_after else tasks
    agents = _agents(spec, run)
    with WebWorld() as world, Browser() as browser:
        probes = run.probes()
        if probes is None:
            probes = [_probe(fault, world, browser, say) for fault in spec.method.faults]
            run.write_probes(probes)
        runner = _Runner(run, spec, world, browser, say)
        runner.run_all(_baseline_jobs("before", spec.method_agents, agents, tasks, spec))
        before = verdict(run.episodes(), spec.steady_state, "before")
        after: Verdict | None = None
        if before.ok:
            counted = {p.fault for p in probes if p.fired}
            runner.run_all(_method_jobs(spec, agents, tasks, counted))
            hypothesis_agents = [
                a
                for a in spec.method_agents
                if not spec.steady_state.agents or a.name in spec.steady_state.agents
            ]
            runner.run_all(_baseline_jobs("after", hypothesis_agents, agents, after_tasks, spec))
            after = verdict(run.episodes(), spec.steady_state, "after")
    return _finish(run, spec, probes, before, after, started)


def _check_models(spec: ChaosConfig) -> None:
    from agents.models import parse_model_string

    for agent in spec.method_agents:
        if agent.model is not None:
            parse_model_string(agent.model)


def _probe(fault: WebFault, world: WebWorld, browser: Browser, say: Progress) -> ProbeResult:
    result = probe(fault, world, browser)
    mark = "fired" if result.fired else "DID NOT FIRE"
    say(f"probe {fault.name}: {mark} ({result.treatment[:60]})")
    return result


def _agents(spec: ChaosConfig, run: ChaosRunDir) -> dict[str, WebAgent]:
    agents: dict[str, WebAgent] = {}
    for agent in spec.agents:
        if agent.kind == "oracle":
            agents[agent.name] = OracleAgent()
        elif agent.kind == "heuristic":
            agents[agent.name] = HeuristicAgent()
        else:
            agents[agent.name] = _llm_agent(agent, run)
        agents[agent.name].name = agent.name
    return agents


def _llm_agent(agent: AgentSpec, run: ChaosRunDir) -> WebAgent:
    from agents.models import Model, get_model, parse_model_string, takes_option
    from chaos._llm import LlmAgent

    assert agent.model is not None
    url = agent.base_url if takes_option(agent.model, "base_url") else None
    # A scripted mock replays its script from the start in every episode; a real model is
    # loaded once.
    fresh = parse_model_string(agent.model).provider == "mock"
    shared: list[Model] = []

    def model() -> Model:
        if fresh or not shared:
            shared[:] = [get_model(agent.model or "", base_url=url)]
        return shared[0]

    model().prepare()
    return LlmAgent(agent.name, model, max_steps=agent.max_steps, transcripts=run.transcripts)


def _baseline_jobs(
    phase: Phase,
    specs: list[AgentSpec],
    agents: dict[str, WebAgent],
    tasks: list[WebTask],
    spec: ChaosConfig,
) -> Iterator[_Job]:
    for agent in specs:
        for task in tasks:
            for trial in range(spec.method.trials):
                yield _Job(phase, agents[agent.name], agent, task, None, trial)


def _method_jobs(
    spec: ChaosConfig, agents: dict[str, WebAgent], tasks: list[WebTask], counted: set[str]
) -> Iterator[_Job]:
    for fault in spec.method.faults:
        if fault.name not in counted:
            continue  # it did not prove it fired: nothing measured under it would count
        for agent in spec.method_agents:
            if fault.layer == "model" and agent.kind != "llm":
                continue  # no model between this agent and its actions
            for task in tasks:
                for trial in range(spec.method.trials):
                    yield _Job("method", agents[agent.name], agent, task, fault, trial)


class _Runner:
    """Runs jobs whose episodes are not in the run yet, appending each as it finishes."""

    def __init__(
        self, run: ChaosRunDir, spec: ChaosConfig, world: WebWorld, browser: Browser, say: Progress
    ) -> None:
        self.run, self.spec, self.world, self.browser, self.say = run, spec, world, browser, say
        self.done = {e.key for e in run.episodes()}
        self.cookies: list[dict[str, Any]] = []

    def run_all(self, jobs: Iterator[_Job]) -> None:
        for job in jobs:
            condition = job.fault.name if job.fault else "baseline"
            key = episode_key(job.phase, job.spec.name, condition, job.task.id, job.trial)
            if key not in self.done:
                self.run_one(job)
                self.done.add(key)

    def run_one(self, job: _Job) -> None:
        seed = f"{self.spec.seed}:{job.task.id}:{job.trial}"
        prepare = getattr(job.agent, "prepare", None)
        if prepare is not None:
            prepare(job.fault, seed)
        shots = self.spec.screenshots != "none" and self.run.replays() < self.spec.max_replays
        result = run_episode(
            world=self.world,
            browser=self.browser,
            task=job.task,
            agent=job.agent,
            fault=job.fault,
            phase=job.phase,
            trial=job.trial,
            seed=seed,
            screenshots=shots,
            fresh_database="fresh_database" in self.spec.rollbacks,
            cookies=None if "fresh_context" in self.spec.rollbacks else self.cookies,
        )
        self.cookies = result.cookies
        episode = result.episode
        if shots and (self.spec.screenshots == "all" or not episode.success):
            episode = episode.model_copy(update={"replay": self._keep(episode, result.steps)})
        self.run.append(episode)
        mark = "ok" if episode.success else f"FAILED ({episode.claim})"
        self.say(
            f"{job.phase} · {episode.agent} · {episode.condition} · {episode.task} · "
            f"trial {job.trial + 1}: {mark}, {episode.steps} steps, {episode.duration_s:.1f} s"
        )

    def _keep(self, episode: Episode, steps: list[StepRecord]) -> str:
        folder = self.run.replay_dir(episode.key)
        records = []
        for step in steps:
            image = None
            if step.screenshot:
                image = f"step-{step.index:02d}.jpg"
                (folder / image).write_bytes(step.screenshot)
            records.append(
                {
                    "index": step.index,
                    "action": step.action,
                    "arguments": step.arguments,
                    "ok": step.ok,
                    "message": step.message,
                    "url": step.url,
                    "fault_fired": step.fault_fired,
                    "screenshot": image,
                }
            )
        (folder / "steps.json").write_text(json.dumps(records, indent=2), encoding="utf-8")
        return str(folder.relative_to(self.run.path))


def _finish(
    run: ChaosRunDir,
    spec: ChaosConfig,
    probes: list[ProbeResult],
    before: Verdict,
    after: Verdict | None,
    started: datetime,
) -> ChaosSummary:
    from chaos._report import write_report

    episodes = run.episodes()
    stats = condition_stats(episodes, probes)
    status = "completed" if before.ok else "deviated"
    run.write_journal(_journal(spec, probes, before, after, stats, status, started))
    report = write_report(run)
    return ChaosSummary(
        run_dir=str(run.path),
        status=status,
        before=before,
        after=after,
        probes=probes,
        stats=stats,
        fidelity=fidelity(episodes),
        episodes=len(episodes),
        report=str(report),
    )


def _journal(
    spec: ChaosConfig,
    probes: list[ProbeResult],
    before: Verdict,
    after: Verdict | None,
    stats: list[ConditionStats],
    status: str,
    started: datetime,
) -> dict[str, Any]:
    """The run as a Chaos Toolkit journal: experiment, steady states, run, rollbacks."""
    ended = datetime.now(UTC)
    fired = {p.fault: p.fired for p in probes}
    return {
        "experiment": {
            "title": spec.name,
            "description": spec.description,
            "steady-state-hypothesis": spec.steady_state.model_dump(mode="json"),
            "method": [f.model_dump(mode="json") for f in spec.method.faults],
            "rollbacks": list(spec.rollbacks),
        },
        "status": status,
        "deviated": not before.ok or (after is not None and not after.ok),
        "steady_states": {
            "before": before.model_dump(mode="json"),
            "after": after.model_dump(mode="json") if after else None,
        },
        "probes": [p.model_dump(mode="json") for p in probes],
        "run": [
            {
                "activity": f.name,
                "status": "succeeded" if fired.get(f.name) and before.ok else "skipped",
                "results": [s.model_dump(mode="json") for s in stats if s.condition == f.name],
            }
            for f in spec.method.faults
        ],
        "rollbacks": [
            {"activity": r, "status": "succeeded", "when": "after every episode"}
            for r in spec.rollbacks
        ],
        "start": started.isoformat(),
        "end": ended.isoformat(),
        "duration": (ended - started).total_seconds(),
    }
