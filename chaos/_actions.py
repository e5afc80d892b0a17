"""The browser actions every web agent takes, through one layer: goto, click, type, select,
submit, back (and done, which the agents handle). The tool faults act here, and every step is
recorded (with a screenshot when asked) for the episode's replay.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from chaos._browser import ActionFailed, Tab
from chaos._faults import ActionException, ActionTimeout, StaleObservation, WebFault
from chaos._observe import Observation
from chaos._schedule import Trigger

ACTIONS = ("goto", "click", "type", "select", "submit", "back")
INJECTED_EXCEPTION = "Element is not attached to the DOM (the page changed under the action)"


@dataclass(frozen=True)
class StepRecord:
    """One action of an episode, as the replay shows it."""

    index: int
    action: str
    arguments: dict[str, Any]
    ok: bool
    message: str
    """What the agent was told: "ok", or the error."""
    url: str
    """The page after the action."""
    fault_fired: bool = False
    """Whether a tool fault acted on this step."""
    screenshot: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ActionResult:
    """What an action returns to the agent."""

    ok: bool
    message: str
    observation: Observation

    @property
    def text(self) -> str:
        """The result as a tool result: the outcome, then the page."""
        status = "ok" if self.ok else f"error: {self.message}"
        return f"{status}\n{self.observation.text}"


class BrowserTools:
    """One episode's actions on a tab, with the episode's tool fault (if it is one)."""

    def __init__(
        self, tab: Tab, fault: WebFault | None, seed: str, *, screenshots: bool = False
    ) -> None:
        self.tab = tab
        self.fault = (
            fault if isinstance(fault, ActionTimeout | ActionException | StaleObservation) else None
        )
        self.trigger = (
            Trigger(self.fault.schedule, f"{seed}:{self.fault.name}") if self.fault else None
        )
        self.screenshots = screenshots
        self.steps: list[StepRecord] = []
        self._last: Observation | None = None

    @property
    def fired(self) -> int:
        """Times a tool fault acted."""
        return 0 if self.trigger is None else self.trigger.fired

    def observe(self) -> Observation:
        """A fresh look at the page."""
        self._last = self.tab.observe()
        return self._last

    def page_text(self) -> str:
        """The page's visible text."""
        return self.tab.text()

    def act(self, action: str, **arguments: Any) -> ActionResult:
        """Run one action; failures come back as a result the agent can read, never raise."""
        before = self._last
        fire = self.trigger() if self.trigger is not None else False
        ok, message = self._perform(action, arguments, fire)
        observation = self.tab.observe()
        self._last = observation
        if fire and isinstance(self.fault, StaleObservation) and before is not None:
            observation = before  # the agent is shown the page as it was before the action
        self._record(action, arguments, ok, message, observation, fire)
        return ActionResult(ok, message, observation)

    def _perform(self, action: str, arguments: dict[str, Any], fire: bool) -> tuple[bool, str]:
        if fire and isinstance(self.fault, ActionTimeout):
            time.sleep(self.fault.delay_s)
            return False, f"timeout: the {action} did not finish within {self.fault.delay_s:g} s"
        if fire and isinstance(self.fault, ActionException):
            return False, f"the browser raised an exception: {INJECTED_EXCEPTION}"
        try:
            self._dispatch(action, arguments)
        except ActionFailed as exc:
            return False, str(exc)
        except (TypeError, KeyError) as exc:
            return False, f"bad arguments for {action}: {exc}"
        return True, "ok"

    def _dispatch(self, action: str, arguments: dict[str, Any]) -> None:
        tab = self.tab
        if action == "goto":
            tab.goto(str(arguments["url"]))
        elif action == "click":
            tab.click(_bid(arguments["id"]))
        elif action == "type":
            tab.fill(_bid(arguments["id"]), str(arguments["text"]))
        elif action == "select":
            tab.select(_bid(arguments["id"]), str(arguments["option"]))
        elif action == "submit":
            tab.press_enter(_bid(arguments["id"]))
        elif action == "back":
            tab.back()
        else:
            raise ActionFailed(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")

    def _record(
        self,
        action: str,
        arguments: dict[str, Any],
        ok: bool,
        message: str,
        observation: Observation,
        fired: bool,
    ) -> None:
        shot = None
        if self.screenshots:
            try:
                shot = self.tab.screenshot()
            except ActionFailed:
                shot = None
        self.steps.append(
            StepRecord(
                len(self.steps) + 1,
                action,
                dict(arguments),
                ok,
                message,
                observation.url,
                fired,
                shot,
            )
        )


def _bid(value: Any) -> str:
    text = str(value).strip().strip("[]")
    if not text.isdigit():
        raise ActionFailed(f"{value!r} is not an element id; use the number in [brackets]")
    return text
