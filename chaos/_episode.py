"""One episode: a fresh database and browser context, one agent on one task under one fault (or
none), the task's checks, and a typed record of how it went."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

from pydantic import BaseModel, Field

from chaos._actions import BrowserTools, StepRecord
from chaos._agents import Claim, Outcome, needs_named
from chaos._browser import ActionFailed, Browser
from chaos._faults import WebFault
from chaos._inject import Injector
from chaos._observe import Observation
from chaos._tasks import AnswerCheck, SessionCheck, StateCheck, WebTask

if TYPE_CHECKING:
    from chaos._server import WebWorld

Phase = Literal["before", "method", "after"]
BASELINE = "baseline"
"""The condition name of episodes without a fault."""


class WebAgent(Protocol):
    """An agent that can act in the web world."""

    name: str

    def run(self, task: WebTask, tools: BrowserTools, first: Observation) -> Outcome:
        """Act until done; say how it ended."""
        ...


class Episode(BaseModel):
    """One line of episodes.jsonl: one agent, one task, one condition, one trial."""

    key: str
    """phase|agent|condition|task|trial: unique in a run (resume skips keys that are there)."""
    phase: Phase
    """before / after: the steady-state checks; method: the faults."""
    agent: str
    condition: str
    """The fault's name, or baseline."""
    fault_kind: str | None
    layer: str | None
    """Where the fault acts: browser, network, page, tool, model."""
    task: str
    requires: list[str]
    trial: int
    seed: str
    """The episode's seed: the same for every condition of a (task, trial), so they pair."""
    success: bool
    """The task's checks passed (and, for a question, the agent said it succeeded)."""
    claim: Claim
    """What the agent said: success, failure or blocked."""
    answer: str = ""
    reason: str = ""
    stop: str = "done"
    false_success: bool
    """The agent said success, the checks disagree."""
    reported_need: list[str] = Field(default_factory=list)
    """JavaScript / cookies named by the agent's reason (failed episodes only)."""
    check_failures: list[str] = Field(default_factory=list)
    """Why each failed check failed."""
    fired: int = 0
    """Times the fault acted in this episode."""
    steps: int = 0
    """Actions the agent took (the opening of the start page not counted)."""
    tool_errors: int = 0
    """Actions that failed."""
    input_tokens: int = 0
    output_tokens: int = 0
    model_retries: int = 0
    duration_s: float = 0.0
    error: str | None = None
    """An error that ended the episode before its checks, if any."""
    replay: str | None = None
    """Folder (relative to the run directory) holding its steps and screenshots."""

    @property
    def graceful(self) -> bool:
        """A failed episode in which the agent said what the site needed."""
        return not self.success and self.claim != "success" and bool(self.reported_need)


class EpisodeRun(NamedTuple):
    """An episode's record, its steps, and the cookies its browser held at the end."""

    episode: Episode
    steps: list[StepRecord]
    cookies: list[dict[str, Any]]


def episode_key(phase: str, agent: str, condition: str, task: str, trial: int) -> str:
    """The key of an episode in episodes.jsonl."""
    return f"{phase}|{agent}|{condition}|{task}|{trial}"


def run_episode(
    *,
    world: WebWorld,
    browser: Browser,
    task: WebTask,
    agent: WebAgent,
    fault: WebFault | None,
    phase: Phase,
    trial: int,
    seed: str,
    screenshots: bool = False,
    fresh_database: bool = True,
    cookies: list[dict[str, Any]] | None = None,
) -> EpisodeRun:
    """Run one episode; its record, its steps and the browser's cookies at its end.

    The rollbacks: `fresh_database` starts from the seed data; `cookies` (None: a fresh
    context) are what the previous episode's browser left, for runs that keep them.
    """
    if fresh_database:
        world.reset()
    cookies = list(cookies or [])
    if task.login:
        cookies.append(world.sign_in(task.login))
    injector = Injector(fault, seed)
    started = time.monotonic()
    tab = browser.new_tab(world.base_url, injector, cookies)
    tools = BrowserTools(tab, fault, seed, screenshots=screenshots)
    error = None
    left: list[dict[str, Any]] = []
    try:
        first = tools.act("goto", url=task.start_url)
        outcome = agent.run(task, tools, first.observation)
        browser.run(injector.online(tab.context), 30)
        failures = check(task, outcome, world, tab.fetch)
        left = [dict(c) for c in browser.run(tab.context.cookies(), 30)]
    except ActionFailed as exc:
        outcome, failures, error = Outcome("failure", reason=str(exc)), [str(exc)], str(exc)
    finally:
        tab.close()
    episode = _record(
        task,
        agent.name,
        fault,
        phase,
        trial,
        seed,
        outcome,
        failures,
        fired=injector.fired + tools.fired + _model_fired(agent),
        steps=tools.steps,
        duration=time.monotonic() - started,
        error=error or outcome.error,
    )
    return EpisodeRun(episode, tools.steps, left)


def _model_fired(agent: WebAgent) -> int:
    return int(getattr(agent, "model_fired", 0))


def _record(
    task: WebTask,
    agent: str,
    fault: WebFault | None,
    phase: Phase,
    trial: int,
    seed: str,
    outcome: Outcome,
    failures: list[str],
    *,
    fired: int,
    steps: list[StepRecord],
    duration: float,
    error: str | None,
) -> Episode:
    condition = fault.name if fault else BASELINE
    success = not failures
    usage = outcome.usage
    return Episode(
        key=episode_key(phase, agent, condition, task.id, trial),
        phase=phase,
        agent=agent,
        condition=condition,
        fault_kind=fault.kind_name if fault else None,
        layer=fault.layer if fault else None,
        task=task.id,
        requires=list(task.requires),
        trial=trial,
        seed=seed,
        success=success,
        claim=outcome.claim,
        answer=outcome.answer[:500],
        reason=outcome.reason[:500],
        stop=outcome.stop,
        false_success=outcome.claim == "success" and not success,
        reported_need=[] if success else needs_named(outcome.reason),
        check_failures=failures,
        fired=fired,
        steps=max(0, len(steps) - 1),
        tool_errors=sum(not s.ok for s in steps),
        input_tokens=usage.input_tokens if usage else 0,
        output_tokens=usage.output_tokens if usage else 0,
        model_retries=usage.retries if usage else 0,
        duration_s=duration,
        error=error,
    )


def check(
    task: WebTask,
    outcome: Outcome,
    world: WebWorld,
    fetch: Callable[[str], tuple[int, str]],
) -> list[str]:
    """Why each of the task's checks failed (empty: the episode is a success)."""
    failures = []
    if task.answers and outcome.claim != "success":
        failures.append(f"the agent did not answer (it said {outcome.claim})")
    for item in task.checks:
        problem: str | None
        if isinstance(item, AnswerCheck):
            problem = _check_answer(item, outcome.answer)
        elif isinstance(item, StateCheck):
            value = world.scalar(item.sql)
            same = value is not None and str(value) == str(item.equals)
            problem = None if same else f"state: {item.sql[:60]}… is {value!r}, not {item.equals!r}"
        else:
            problem = _check_session(item, fetch)
        if problem:
            failures.append(problem)
    return failures


def _check_answer(item: AnswerCheck, answer: str) -> str | None:
    folded = answer.casefold()
    missing = [text for text in item.must_include if text.casefold() not in folded]
    if missing:
        return f"answer {answer[:80]!r} lacks {', '.join(map(repr, missing))}"
    if item.pattern and not re.search(item.pattern, answer, re.I):
        return f"answer {answer[:80]!r} does not match {item.pattern!r}"
    return None


def _check_session(item: SessionCheck, fetch: Callable[[str], tuple[int, str]]) -> str | None:
    status, text = fetch(item.path)
    missing = [needle for needle in item.must_include if needle not in text]
    if status >= 400 or missing:
        return f"{item.path} (HTTP {status}) lacks {', '.join(map(repr, missing)) or 'nothing'}"
    return None
