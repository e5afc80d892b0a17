"""Web tasks in the style of WebArena: an intent, a start URL, a storage state, what the task
needs of the browser (`requires: [js, cookies]`), checks on the server's state, the user's
session or the agent's answer, and a scripted oracle plan that proves the task solvable.

The plan is BrowserGym's `cheat()` written as data: steps that name elements by their visible
name (never by id), so that the oracle and the heuristic agent act through the same browser
actions as a model-driven agent.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Tag,
    field_validator,
    model_validator,
)

from chaos._errors import ChaosConfigError
from usererrors import load_model

TASKS_FILE = Path(__file__).with_name("world") / "tasks.yaml"
"""The web world's bundled tasks."""
Requirement = Literal["js", "cookies"]
REQUIREMENTS: tuple[Requirement, ...] = ("js", "cookies")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- oracle plan steps: one key each, e.g. `- click: Catalog` ---
class Target(_Strict):
    """An element named by what a person sees: its accessible name, optionally its role."""

    name: str
    """Its accessible name (label, text or aria-label), matched case-insensitively."""
    role: str | None = None
    """link, button, textbox, combobox, ...: to tell apart two elements with one name."""


class GotoStep(_Strict):
    """Open a path of the shop (or a full URL on it)."""

    kind: ClassVar[str] = "goto"

    goto: str


class ClickStep(_Strict):
    """Click a link or button."""

    kind: ClassVar[str] = "click"

    click: str | Target


class Fill(_Strict):
    """A text field and what to type into it."""

    field: str
    """The field's label."""
    text: str


class TypeStep(_Strict):
    """Type text into a field (replacing what it holds)."""

    kind: ClassVar[str] = "type"

    type: Fill


class Choice(_Strict):
    """A drop-down and the option to choose."""

    field: str
    """The drop-down's label."""
    option: str
    """The option's visible text."""


class SelectStep(_Strict):
    """Choose an option of a drop-down."""

    kind: ClassVar[str] = "select"

    select: Choice


class SubmitStep(_Strict):
    """Press Enter in a field, submitting its form."""

    kind: ClassVar[str] = "submit"

    submit: str
    """The field's label."""


class BackStep(_Strict):
    """Go back one page."""

    kind: ClassVar[str] = "back"

    back: Literal[True] = True

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: Any) -> Any:
        return {"back": True} if value == "back" else value


class ReadStep(_Strict):
    """Take the answer from the page: group 1 (or the whole match) of a regex on its text."""

    kind: ClassVar[str] = "read"

    read: str

    @field_validator("read")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc})") from exc
        return pattern


class ExpectStep(_Strict):
    """Text the page shows once the task is done (a careful agent checks it before `done`)."""

    kind: ClassVar[str] = "expect"

    expect: str


STEP_KINDS = ("goto", "click", "type", "select", "submit", "back", "read", "expect")


def _step_kind(value: Any) -> str | None:
    """A step is a mapping with one key, which names its kind."""
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    if isinstance(value, str) and value == "back":
        return "back"
    return None if isinstance(value, dict) else getattr(value, "kind", None)


Step = Annotated[
    Annotated[GotoStep, Tag("goto")]
    | Annotated[ClickStep, Tag("click")]
    | Annotated[TypeStep, Tag("type")]
    | Annotated[SelectStep, Tag("select")]
    | Annotated[SubmitStep, Tag("submit")]
    | Annotated[BackStep, Tag("back")]
    | Annotated[ReadStep, Tag("read")]
    | Annotated[ExpectStep, Tag("expect")],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message=f"a step is a mapping with one key, one of {', '.join(STEP_KINDS)}",
    ),
]
"""One step of an oracle plan."""


# --- checks: every check of a task must pass ---
class AnswerCheck(_Strict):
    """The agent's answer: it must contain each string, or match the pattern."""

    kind: Literal["answer"] = "answer"
    must_include: list[str] = Field(default_factory=list)
    """Strings the answer contains (case-insensitive)."""
    pattern: str | None = None
    """A regex the answer matches somewhere (case-insensitive)."""


class StateCheck(_Strict):
    """The server's state: a read-only SQL query on the shop's database and its expected value."""

    kind: Literal["state"] = "state"
    sql: str
    """A SELECT whose first column of the first row is compared."""
    equals: str | int | float
    """The expected value."""


class SessionCheck(_Strict):
    """The shop as this user's browser sees it now: a page fetched with the browser's cookies."""

    kind: Literal["session"] = "session"
    path: str
    """The page to fetch, e.g. /cart."""
    must_include: list[str] = Field(min_length=1)
    """Strings the page contains."""


Check = Annotated[AnswerCheck | StateCheck | SessionCheck, Field(discriminator="kind")]


class WebTask(_Strict):
    """One task of the web world."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Unique, [a-z0-9-]."""
    intent: str
    """What the user asks, as the agent reads it."""
    start_url: str = "/"
    """Where the browser starts (a path of the shop)."""
    login: str | None = None
    """Storage state: start signed in as this user (a session cookie set before the start)."""
    requires: list[Requirement] = Field(default_factory=list)
    """What the task's way through the site needs of the browser: js, cookies."""
    checks: list[Check] = Field(min_length=1)
    """All must pass for the episode to count as a success."""
    plan: list[Step] = Field(min_length=1)
    """The oracle's steps (BrowserGym's cheat()): proof that the task is solvable."""

    @property
    def answers(self) -> bool:
        """Whether the task asks for an answer (rather than a change to the site)."""
        return any(isinstance(check, AnswerCheck) for check in self.checks)


class TaskFile(RootModel[list[WebTask]]):
    """A tasks.yaml: a list of tasks."""


def load_tasks(path: Path = TASKS_FILE) -> list[WebTask]:
    """The tasks of a tasks.yaml; ids must be unique."""
    tasks = load_model(path, TaskFile, ChaosConfigError).root
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise ChaosConfigError(f"{path}: task id {task.id!r} appears twice; fix: rename one")
        seen.add(task.id)
    return tasks


@lru_cache(maxsize=1)
def bundled_tasks() -> tuple[WebTask, ...]:
    """The web world's own tasks."""
    return tuple(load_tasks())


def select_tasks(tasks: list[WebTask] | tuple[WebTask, ...], ids: list[str]) -> list[WebTask]:
    """The tasks named by `ids` (all of them for an empty list); an unknown id is an error."""
    if not ids:
        return list(tasks)
    known = {task.id: task for task in tasks}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ChaosConfigError(
            f"unknown task id(s) {', '.join(unknown)}; fix: use ids from "
            "`experiment chaos tasks` (the bundled tasks are in chaos/world/tasks.yaml)"
        )
    return [known[i] for i in ids]
