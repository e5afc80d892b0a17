"""The fault catalogue as configuration: what each fault does, where, and on which schedule.

Web faults act on the browser (JavaScript off, cookies blocked, storage cleared mid-task,
offline), the network between browser and site (latency, HTTP errors, aborted, reset or
timed-out requests, truncated bodies, on chosen routes), the page (a popup overlay, renamed
element ids and classes), the agent's tools (action timeouts and exceptions, stale
observations) and the model (429s and 5xx, timeouts, malformed tool calls). Pipeline faults act
between the journal-and-regenerate agents and their tools and model.

These are plain data; `_inject` (browser), `_tools` (actions), `_model_faults` (model) and
`_pipeline` (the experiment's tools) make them happen.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chaos._schedule import ALWAYS, Schedule

Layer = Literal["browser", "network", "page", "tool", "model", "pipeline"]


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    layer: ClassVar[Layer]
    schedule: Schedule = ALWAYS
    """When it fires (see Schedule)."""

    @property
    def kind_name(self) -> str:
        """The fault's kind, e.g. http_error."""
        return str(getattr(self, "kind"))  # noqa: B009 - every subclass declares `kind`

    def detail(self) -> str:
        """Its parameters in a few words (empty when it has none)."""
        return ""

    @property
    def name(self) -> str:
        """A unique, readable label: kind, parameters and schedule, e.g. 'http_error 503 p=0.3'."""
        parts = [
            self.kind_name,
            self.detail(),
            "" if self.schedule == ALWAYS else self.schedule.label(),
        ]
        return " ".join(part for part in parts if part)


# --- browser ---
class JsOff(_Fault):
    """JavaScript disabled in the browser context (Playwright's java_script_enabled=False)."""

    layer: ClassVar[Layer] = "browser"
    kind: Literal["js_off"] = "js_off"

    @model_validator(mode="after")
    def _whole_episode(self) -> JsOff:
        if self.schedule != ALWAYS:
            raise ValueError("js_off holds for a whole episode: leave its schedule out")
        return self


class CookiesBlocked(_Fault):
    """No cookies: Set-Cookie and Cookie headers stripped, document.cookie disabled.

    Playwright has no switch for it, so every request goes through a proxy that drops them,
    and an init script turns document.cookie into a no-op.
    """

    layer: ClassVar[Layer] = "browser"
    kind: Literal["cookies_blocked"] = "cookies_blocked"


class StorageCleared(_Fault):
    """Cookies and web storage cleared before an action (by default the third one)."""

    layer: ClassVar[Layer] = "browser"
    kind: Literal["storage_cleared"] = "storage_cleared"
    schedule: Schedule = Schedule(burst=(2, 1))


class Offline(_Fault):
    """The browser is offline during the scheduled actions (by default the second and third)."""

    layer: ClassVar[Layer] = "browser"
    kind: Literal["offline"] = "offline"
    schedule: Schedule = Schedule(burst=(1, 2))


# --- network ---
class _Network(_Fault):
    layer: ClassVar[Layer] = "network"
    routes: list[str] = Field(default_factory=lambda: ["*"])
    """URL paths it applies to, as shell globs (e.g. /api/*); all by default."""

    def where(self) -> str:
        return "" if self.routes == ["*"] else f"on {','.join(self.routes)}"


class Latency(_Network):
    """Each scheduled request waits before it is sent."""

    kind: Literal["latency"] = "latency"
    delay_ms: int = Field(default=1000, ge=1, le=60_000)
    """Milliseconds added."""

    def detail(self) -> str:
        return " ".join(filter(None, [f"{self.delay_ms}ms", self.where()]))


class HttpError(_Network):
    """Each scheduled request is answered with an HTTP error page instead of reaching the site."""

    kind: Literal["http_error"] = "http_error"
    status: int = Field(default=503, ge=400, le=599)

    def detail(self) -> str:
        return " ".join(filter(None, [str(self.status), self.where()]))


NetworkErrorCode = Literal[
    "aborted", "connectionreset", "connectionrefused", "timedout", "internetdisconnected"
]


class NetworkError(_Network):
    """Each scheduled request fails at the network level (Playwright's route.abort codes)."""

    kind: Literal["network_error"] = "network_error"
    error: NetworkErrorCode = "connectionreset"
    """aborted, connectionreset, connectionrefused, timedout or internetdisconnected."""

    def detail(self) -> str:
        return " ".join(filter(None, [self.error, self.where()]))


class TruncatedBody(_Network):
    """Each scheduled response loses its end: only the first share of its bytes arrive."""

    kind: Literal["truncated_body"] = "truncated_body"
    keep: float = Field(default=0.5, gt=0.0, lt=1.0)
    """Share of the body kept."""

    def detail(self) -> str:
        return " ".join(filter(None, [f"keep {self.keep:g}", self.where()]))


# --- page ---
class Popup(_Fault):
    """A newsletter overlay covers each scheduled page until its Close button is pressed."""

    layer: ClassVar[Layer] = "page"
    kind: Literal["popup"] = "popup"


class RenamedIds(_Fault):
    """Element ids, classes and label targets renamed on each scheduled page."""

    layer: ClassVar[Layer] = "page"
    kind: Literal["renamed_ids"] = "renamed_ids"


# --- the agent's tools ---
class ActionTimeout(_Fault):
    """A scheduled action is not carried out; it reports a timeout after `delay_s`."""

    layer: ClassVar[Layer] = "tool"
    kind: Literal["action_timeout"] = "action_timeout"
    delay_s: float = Field(default=0.5, ge=0.0, le=60.0)

    def detail(self) -> str:
        return f"{self.delay_s:g}s"


class ActionException(_Fault):
    """A scheduled action is not carried out; the browser reports an exception."""

    layer: ClassVar[Layer] = "tool"
    kind: Literal["action_exception"] = "action_exception"


class StaleObservation(_Fault):
    """A scheduled action is carried out, but the agent is shown the page as it was before."""

    layer: ClassVar[Layer] = "tool"
    kind: Literal["stale_observation"] = "stale_observation"


# --- the model ---
class ModelHttpError(_Fault):
    """A scheduled model call fails with an HTTP error (429 by default) before the model runs."""

    layer: ClassVar[Layer] = "model"
    kind: Literal["model_error"] = "model_error"
    status: int = Field(default=429, ge=400, le=599)
    retry_after_s: float | None = Field(default=None, ge=0.0)
    """The retry-after the error carries, if any."""

    def detail(self) -> str:
        return str(self.status)


class ModelTimeout(_Fault):
    """A scheduled model call times out after `delay_s` (a transient error: it is retried)."""

    layer: ClassVar[Layer] = "model"
    kind: Literal["model_timeout"] = "model_timeout"
    delay_s: float = Field(default=0.0, ge=0.0, le=600.0)

    def detail(self) -> str:
        return f"{self.delay_s:g}s" if self.delay_s else ""


MalformedMode = Literal["unknown_tool", "missing_arguments", "unparseable"]


class MalformedToolCall(_Fault):
    """A scheduled reply is replaced by a malformed tool call (unknown tool, missing arguments,
    or an action that does not parse)."""

    layer: ClassVar[Layer] = "model"
    kind: Literal["malformed_tool_call"] = "malformed_tool_call"
    mode: MalformedMode = "unknown_tool"

    def detail(self) -> str:
        return self.mode


WebFault = Annotated[
    JsOff
    | CookiesBlocked
    | StorageCleared
    | Offline
    | Latency
    | HttpError
    | NetworkError
    | TruncatedBody
    | Popup
    | RenamedIds
    | ActionTimeout
    | ActionException
    | StaleObservation
    | ModelHttpError
    | ModelTimeout
    | MalformedToolCall,
    Field(discriminator="kind"),
]
"""A fault of the web lab, picked by its `kind`."""

WEB_KINDS = (
    "js_off",
    "cookies_blocked",
    "storage_cleared",
    "offline",
    "latency",
    "http_error",
    "network_error",
    "truncated_body",
    "popup",
    "renamed_ids",
    "action_timeout",
    "action_exception",
    "stale_observation",
    "model_error",
    "model_timeout",
    "malformed_tool_call",
)


# --- the journal-and-regenerate pipeline ---
Role = Literal["builder", "regenerator"]


def _both_roles() -> list[Role]:
    return ["builder", "regenerator"]


class _Pipeline(_Fault):
    layer: ClassVar[Layer] = "pipeline"
    roles: list[Role] = Field(default_factory=_both_roles)
    """Which agents it hits."""
    tools: list[str] = Field(default_factory=list)
    """Tool names it hits (empty: the fault's own default)."""
    default_tools: ClassVar[tuple[str, ...]] = ()

    def hits_tool(self, tool: str) -> bool:
        """Whether a call of `tool` is an opportunity for this fault."""
        return tool in (self.tools or self.default_tools)

    def hits_role(self, role: str) -> bool:
        """Whether the agent in `role` (builder, regenerator:<arm>) is hit."""
        return role.split(":", 1)[0] in self.roles


class ToolErrorFault(_Pipeline):
    """A scheduled tool call fails with an error and does nothing."""

    kind: Literal["tool_error"] = "tool_error"
    default_tools: ClassVar[tuple[str, ...]] = ("write_file", "run")


class TruncatedOutput(_Pipeline):
    """A scheduled tool call runs, but its output is cut to its first `keep_chars` characters."""

    kind: Literal["truncated_output"] = "truncated_output"
    default_tools: ClassVar[tuple[str, ...]] = ("read_file", "run", "list_files")
    keep_chars: int = Field(default=40, ge=0)


class WrongOutput(_Pipeline):
    """A scheduled tool call runs, but its output is plausible and wrong: a failing command
    reads as passing, a file reads as empty, a listing misses its files."""

    kind: Literal["wrong_output"] = "wrong_output"
    default_tools: ClassVar[tuple[str, ...]] = ("run", "read_file", "list_files")


class SandboxDenied(_Pipeline):
    """A scheduled `run` is refused by the sandbox: nothing runs."""

    kind: Literal["sandbox_denied"] = "sandbox_denied"
    default_tools: ClassVar[tuple[str, ...]] = ("run",)


class JournalDrop(_Pipeline):
    """A scheduled journal entry is acknowledged but never written."""

    kind: Literal["journal_drop"] = "journal_drop"
    default_tools: ClassVar[tuple[str, ...]] = ("journal",)


class JournalDuplicate(_Pipeline):
    """A scheduled journal entry is written twice."""

    kind: Literal["journal_duplicate"] = "journal_duplicate"
    default_tools: ClassVar[tuple[str, ...]] = ("journal",)


class JournalCorrupt(_Pipeline):
    """A scheduled journal entry is written with its text garbled (words shuffled, cut)."""

    kind: Literal["journal_corrupt"] = "journal_corrupt"
    default_tools: ClassVar[tuple[str, ...]] = ("journal",)


class PipelineModelError(ModelHttpError):
    """A scheduled model call of the hit agents fails with an HTTP error (429 by default)."""

    layer: ClassVar[Layer] = "pipeline"
    roles: list[Role] = Field(default_factory=_both_roles)


class PipelineModelTimeout(ModelTimeout):
    """A scheduled model call of the hit agents times out."""

    layer: ClassVar[Layer] = "pipeline"
    roles: list[Role] = Field(default_factory=_both_roles)


PipelineFault = Annotated[
    ToolErrorFault
    | TruncatedOutput
    | WrongOutput
    | SandboxDenied
    | JournalDrop
    | JournalDuplicate
    | JournalCorrupt
    | PipelineModelError
    | PipelineModelTimeout,
    Field(discriminator="kind"),
]
"""A fault injected into `experiment run`, picked by its `kind`."""

MODEL_FAULTS = (ModelHttpError, ModelTimeout, MalformedToolCall)
