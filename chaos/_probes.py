"""Every fault proves it fired on a probe before a result under it counts.

A probe runs the fault's own machinery on a probe page of the shop (or a probe call of a
model), twice: once without the fault (the control must look normal) and once with it forced
to fire (the treatment must show the fault's mark). A fault whose probe fails is reported, and
the episodes under it are not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel

from agents import ActionParseError, ModelError
from agents.models import Message, MockModel, RetryPolicy
from chaos._actions import BrowserTools
from chaos._browser import Browser, Tab
from chaos._faults import (
    ActionException,
    ActionTimeout,
    CookiesBlocked,
    HttpError,
    JsOff,
    Latency,
    MalformedToolCall,
    ModelHttpError,
    ModelTimeout,
    NetworkError,
    Offline,
    Popup,
    RenamedIds,
    StaleObservation,
    StorageCleared,
    TruncatedBody,
    WebFault,
)
from chaos._inject import Injector
from chaos._model_faults import FaultyModel
from chaos._schedule import ALWAYS
from chaos._shop import PROBE_END

if TYPE_CHECKING:
    from chaos._server import WebWorld

Look = Callable[[Tab, BrowserTools], str]
"""Does the probe's actions in a tab; returns what it saw, as a short string."""


class ProbeResult(BaseModel):
    """Whether a fault fired on its probe."""

    fault: str
    """The fault's name (its condition)."""
    kind: str
    fired: bool
    """The treatment showed the fault's mark and the control did not."""
    control: str
    """What the probe saw without the fault."""
    treatment: str
    """What it saw with the fault."""


def probe(fault: WebFault, world: WebWorld, browser: Browser) -> ProbeResult:
    """Run the fault's probe: a control without it, a treatment with it forced on.

    Forced on means on every opportunity, and for a network fault on every route (its route
    filter is the one part not proved here: the episodes count where it fired).
    """
    update: dict[str, object] = {"schedule": ALWAYS}
    if "routes" in type(fault).model_fields:
        update["routes"] = ["*"]
    forced = fault.model_copy(update=update)
    if isinstance(forced, ModelHttpError | ModelTimeout | MalformedToolCall):
        control, treatment, fired = _model_probe(forced)
    else:
        look, mark = (
            latency_probe(forced.delay_ms) if isinstance(forced, Latency) else _LOOKS[type(forced)]
        )
        control = _look(world, browser, None, look)
        treatment = _look(world, browser, forced, look)
        fired = mark(treatment) and not mark(control)
    return ProbeResult(
        fault=fault.name, kind=fault.kind_name, fired=fired, control=control, treatment=treatment
    )


def _look(world: WebWorld, browser: Browser, fault: WebFault | None, look: Look) -> str:
    world.reset()
    injector = Injector(fault, "probe")
    tab = browser.new_tab(world.base_url, injector, [])
    try:
        return look(tab, BrowserTools(tab, fault, "probe"))
    finally:
        tab.close()


def _text_of(path: str) -> Look:
    def look(tab: Tab, tools: BrowserTools) -> str:
        result = tools.act("goto", url=path)
        return result.message if not result.ok else tools.page_text()

    return look


def _js(tab: Tab, tools: BrowserTools) -> str:
    tools.act("goto", url="/probe/js")
    return tools.page_text().strip()


def _cookie_echo(tab: Tab, tools: BrowserTools) -> str:
    tools.act("goto", url="/probe/cookie/set")
    tools.act("goto", url="/probe/cookie/echo")
    return tools.page_text().strip()


def _cleared(tab: Tab, tools: BrowserTools) -> str:
    tools.act("goto", url="/probe/cookie/set")  # the storage fault fires before this action...
    tools.act("goto", url="/probe/cookie/set")  # ...and, forced, before every one
    tools.act("goto", url="/probe/cookie/echo")
    return tools.page_text().strip()


def _timed(tab: Tab, tools: BrowserTools) -> str:
    started = time.monotonic()
    tools.act("goto", url="/probe/echo")
    elapsed = (time.monotonic() - started) * 1000
    tag = next((line for line in tools.page_text().splitlines() if "delayed by" in line), "")
    return f"{elapsed:.0f} ms, {tag.strip()}"


def _title(tab: Tab, tools: BrowserTools) -> str:
    tools.act("goto", url="/probe/echo")
    return tools.observe().title or "(no title)"


def _covered(tab: Tab, tools: BrowserTools) -> str:
    tools.act("goto", url="/probe/page")
    button = tools.observe().find("Probe button")
    if button is None:
        return "no probe button"
    result = tools.act("click", id=button.bid)
    return "click went through" if result.ok else f"click failed: {result.message}"


def _ids(tab: Tab, tools: BrowserTools) -> str:
    tools.act("goto", url="/probe/page")
    found = tab.browser.run(tab.page.locator("#probe-target").count(), 10)
    return f"#probe-target found {found} time(s)"


def _tool_result(tab: Tab, tools: BrowserTools) -> str:
    tools.act("goto", url="/probe/page")
    button = tools.observe().find("Probe button")
    result = tools.act("click", id=button.bid if button else "1")
    return "ok" if result.ok else result.message


def _stale(tab: Tab, tools: BrowserTools) -> str:
    tools.act("goto", url="/probe/js")
    tools.observe()
    return tools.act("goto", url="/probe/page").observation.title


def _offline(tab: Tab, tools: BrowserTools) -> str:
    result = tools.act("goto", url="/probe/echo")
    return "ok" if result.ok else result.message


_LOOKS: dict[type, tuple[Look, Callable[[str], bool]]] = {
    JsOff: (_js, lambda seen: "did not run" in seen),
    CookiesBlocked: (_cookie_echo, lambda seen: "probe" not in seen.split(":", 1)[-1]),
    StorageCleared: (_cleared, lambda seen: "probe" not in seen.split(":", 1)[-1]),
    Offline: (_offline, lambda seen: "ERR_INTERNET_DISCONNECTED" in seen),
    HttpError: (_title, lambda seen: seen[:3].isdigit()),
    NetworkError: (_offline, lambda seen: "net::ERR_" in seen),
    TruncatedBody: (_text_of("/probe/echo"), lambda seen: PROBE_END not in seen),
    Popup: (_covered, lambda seen: seen.startswith("click failed")),
    RenamedIds: (_ids, lambda seen: "found 0" in seen),
    ActionTimeout: (_tool_result, lambda seen: seen.startswith("timeout")),
    ActionException: (_tool_result, lambda seen: "exception" in seen),
    StaleObservation: (_stale, lambda seen: seen == "JavaScript probe"),
}


def latency_probe(delay_ms: int) -> tuple[Look, Callable[[str], bool]]:
    """The latency probe: the page took at least the delay to arrive, and the request that
    reached the site carried the delay's tag."""
    return (
        _timed,
        lambda seen: float(seen.split()[0]) >= delay_ms and f"delayed by: {delay_ms}" in seen,
    )


def _model_probe(fault: ModelHttpError | ModelTimeout | MalformedToolCall) -> tuple[str, str, bool]:
    """Call a scripted probe model through the fault: the control answers, the fault shows."""
    script = ["probe reply"] * 8
    policy = RetryPolicy(max_attempts=2, initial_backoff_s=0.0, jitter=0.0)
    control = MockModel("probe", script, retry=policy).generate([Message.user("probe")]).text
    faulty = FaultyModel(MockModel("probe", script, retry=policy), fault, "probe")
    try:
        reply = faulty.generate([Message.user("probe")], tools=[])
        treatment = f"reply {reply.text!r}, tool calls {[c.name for c in reply.tool_calls]}"
        fired = isinstance(fault, MalformedToolCall) and bool(reply.tool_calls)
    except ActionParseError as exc:
        treatment, fired = f"unparseable action: {exc}", isinstance(fault, MalformedToolCall)
    except ModelError as exc:
        treatment = str(exc)
        fired = faulty.fired >= 1 and not isinstance(fault, MalformedToolCall)
    return control, treatment, fired and control == "probe reply"
