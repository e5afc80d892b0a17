"""The deterministic web agents: the oracle and the heuristic agent.

Both follow a task's plan through the same browser actions as a model-driven agent. The
**oracle** (BrowserGym's `cheat()`) runs the plan literally: it proves a task solvable, and
under a fault it shows what a script without any care would do (it says done whenever its
steps went through). The **heuristic agent** follows the same plan the way a careful person
would: it closes popups, waits for pages that are still loading, starts again after errors,
checks that the site confirmed the change before saying done, and, when it cannot go on, says
whether the site asked for JavaScript or cookies.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Literal

from agents.models import Usage
from chaos._actions import ActionResult, BrowserTools
from chaos._observe import Element, Observation
from chaos._tasks import (
    ClickStep,
    ExpectStep,
    GotoStep,
    ReadStep,
    SelectStep,
    Step,
    SubmitStep,
    Target,
    TypeStep,
    WebTask,
)

Claim = Literal["success", "failure", "blocked"]
NEEDS = {
    "JavaScript": re.compile(
        r"(?:needs?|requires?|required) JavaScript"
        r"|JavaScript (?:is )?(?:off|disabled|needed|required)|enable JavaScript",
        re.I,
    ),
    "cookies": re.compile(
        r"(?:needs?|requires?) cookies|cookies (?:are )?(?:off|disabled|blocked|needed|required)"
        r"|check that cookies are enabled|enable cookies",
        re.I,
    ),
}
"""What pages (and agents) say when the browser lacks something the site needs."""
ERROR_TITLE = re.compile(r"^(5\d\d|429) [A-Z]")
"""The title of an HTTP error page."""
CLOSE_NAMES = ("close", "dismiss", "no thanks", "\u00d7")


@dataclass(frozen=True)
class Outcome:
    """How an agent ended an episode, in its own words."""

    claim: Claim
    """What it says: the task is done (success), it failed, or the site blocked it."""
    answer: str = ""
    """Its answer, for a task that asks a question."""
    reason: str = ""
    """Why it failed or was blocked."""
    stop: str = "done"
    """done, or the limit that stopped it (max_steps, max_turns, timeout, model_error, ...)."""
    usage: Usage | None = None
    """Model usage (None for agents without a model)."""
    error: str | None = None
    """A model error that ended the run, if any."""


def needs_named(text: str) -> list[str]:
    """What the page says it needs (JavaScript, cookies), in the order listed in NEEDS."""
    return [need for need, pattern in NEEDS.items() if pattern.search(text)]


class _StepFailed(Exception):
    """A plan step could not be carried out; the message says why."""


class _Missing(_StepFailed):
    """What a step needs is not on the page (it may still appear)."""


class OracleAgent:
    """Runs a task's plan as written: it acts on the page each action returned, and does not
    wait, retry or check anything before `done`."""

    name = "oracle"

    def run(self, task: WebTask, tools: BrowserTools, first: Observation) -> Outcome:
        """Follow the plan; the first step that cannot be carried out ends the episode."""
        answer, observation = "", first
        for index, step in enumerate(task.plan, start=1):
            try:
                read, observation = _carry_out(step, tools, observation, careful=False)
            except _StepFailed as exc:
                return Outcome("failure", answer, f"step {index} ({step.kind}): {exc}")
            answer = read or answer
        return Outcome("success", answer)


class HeuristicAgent:
    """Follows a task's plan with a careful person's habits (see the module docstring)."""

    name = "heuristic"

    def __init__(self, *, retries: int = 3, waits: int = 3, max_steps: int = 40) -> None:
        self.retries = retries
        """Times it goes back and tries again after a step failed."""
        self.waits = waits
        """Times it looks again (half a second apart) for something not on the page yet."""
        self.max_steps = max_steps
        """Actions after which it gives up."""

    def run(self, task: WebTask, tools: BrowserTools, first: Observation) -> Outcome:
        """Carry out the plan; after a failure, reopen the last good page and go on from the
        first step taken on it; when out of tries, say why (and what the site needs)."""
        pages: dict[int, str] = {}
        """Per step reached, the page it started on (pages that were not error pages)."""
        answer, start, reason = "", 0, ""
        tries = self.retries + 1
        for attempt in range(self.retries + 1):
            try:
                return Outcome("success", self._steps(task, tools, start, pages, answer))
            except _Failed as exc:
                answer, reason = exc.answer, str(exc)
            if len(tools.steps) >= self.max_steps:
                return Outcome("failure", answer, reason, stop="max_steps")
            if needs_named(tools.page_text()):
                tries = min(tries, 2)  # the site says what it needs: one more try is enough
            if attempt + 1 >= tries:
                break
            start, page = _resume_point(pages, task.start_url)
            for index in [i for i in pages if i >= start]:
                del pages[index]
            tools.act("goto", url=page)
        needs = needs_named(tools.page_text())
        if needs:
            return Outcome("blocked", answer, f"the site needs {' and '.join(needs)}: {reason}")
        return Outcome("failure", answer, reason)

    def _steps(
        self, task: WebTask, tools: BrowserTools, start: int, pages: dict[int, str], answer: str
    ) -> str:
        for index in range(start, len(task.plan)):
            step = task.plan[index]
            try:
                if len(tools.steps) >= self.max_steps:
                    raise _StepFailed("too many steps")
                observation = self._ready(tools)
                pages[index] = observation.url
                answer = self._step(step, tools, observation) or answer
            except _StepFailed as exc:
                raise _Failed(f"step {index + 1} ({step.kind}): {exc}", answer) from exc
        return answer

    def _ready(self, tools: BrowserTools) -> Observation:
        """A fresh look at the page, with popups closed; an error page is a failure."""
        observation = tools.observe()
        for _ in range(3):
            close = _close_button(observation)
            if close is None:
                break
            tools.act("click", id=close.bid)
            observation = tools.observe()
        if is_error_page(observation):
            raise _StepFailed(f"the page is an error page ({observation.url})")
        return observation

    def _step(self, step: Step, tools: BrowserTools, observation: Observation) -> str | None:
        """One step; things not on the page yet are looked for again before giving up."""
        for wait in range(self.waits + 1):
            try:
                return _carry_out(step, tools, observation, careful=True)[0]
            except _Missing as exc:
                if wait == self.waits:
                    raise _StepFailed(str(exc)) from exc
                time.sleep(0.5)
                observation = self._ready(tools)
        return None  # pragma: no cover - the loop returns or raises


class _Failed(Exception):
    """The plan stopped at a step; carries the answer read so far."""

    def __init__(self, message: str, answer: str) -> None:
        super().__init__(message)
        self.answer = answer


def _resume_point(pages: dict[int, str], start_url: str) -> tuple[int, str]:
    """Where to go on after a failure: the first step taken on the last good page, and that
    page (the start page when no step got that far)."""
    if not pages:
        return 0, start_url
    last = max(pages)
    first = last
    while first - 1 in pages and pages[first - 1] == pages[last]:
        first -= 1
    return first, pages[last]


def is_error_page(observation: Observation) -> bool:
    """An HTTP error page, a browser error page (no connection), or a page that cannot be read."""
    return bool(
        observation.error
        or observation.url.startswith("chrome-error:")
        or ERROR_TITLE.match(observation.title)
    )


def _close_button(observation: Observation) -> Element | None:
    if not observation.has_dialog:
        return None
    for element in observation.elements:
        if element.in_dialog and element.name.casefold().strip() in CLOSE_NAMES:
            return element
    return None


def _carry_out(
    step: Step, tools: BrowserTools, observation: Observation, *, careful: bool
) -> tuple[str | None, Observation]:
    """Do one plan step on the page: the answer (for a read step) and the page the agent sees
    next. Raises _StepFailed."""
    if isinstance(step, ReadStep):
        return _read(step.read, tools.page_text()), observation
    if isinstance(step, ExpectStep):
        if careful and step.expect.casefold() not in tools.page_text().casefold():
            raise _Missing(f"the page does not say {step.expect!r}")
        return None, observation
    result = _action(step, observation, tools)
    _check(result)
    return None, result.observation


def _action(step: Step, observation: Observation, tools: BrowserTools) -> ActionResult:
    if isinstance(step, GotoStep):
        return tools.act("goto", url=step.goto)
    if isinstance(step, ClickStep):
        target = step.click if isinstance(step.click, Target) else Target(name=step.click)
        element = observation.find(target.name, target.role)
        if element is None:
            raise _Missing(f"no {target.role or 'element'} named {target.name!r}")
        return tools.act("click", id=element.bid)
    if isinstance(step, TypeStep):
        return tools.act("type", id=_field(observation, step.type.field).bid, text=step.type.text)
    if isinstance(step, SelectStep):
        field = _field(observation, step.select.field)
        return tools.act("select", id=field.bid, option=step.select.option)
    if isinstance(step, SubmitStep):
        return tools.act("submit", id=_field(observation, step.submit).bid)
    return tools.act("back")


def _field(observation: Observation, label: str) -> Element:
    element = observation.field(label)
    if element is None:
        raise _Missing(f"no field labelled {label!r}")
    return element


def _check(result: ActionResult) -> None:
    if not result.ok:
        raise _StepFailed(result.message)


def _read(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise _Missing(f"nothing on the page matches {pattern!r}")
    return (match.group(1) if match.groups() else match.group(0)).strip()
