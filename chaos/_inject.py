"""Web faults at work in a browser context: context options, init scripts, request routing
(abort, fulfill, fetch-and-modify, a cookie-stripping proxy) and before-action hooks.

One `Injector` per episode holds the episode's fault (or none, for the baseline) and its seeded
trigger; `fired` says how often the fault actually acted.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chaos._faults import (
    CookiesBlocked,
    HttpError,
    JsOff,
    Latency,
    NetworkError,
    Offline,
    Popup,
    RenamedIds,
    StorageCleared,
    TruncatedBody,
    WebFault,
)
from chaos._schedule import Trigger

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Route

BLOCK_COOKIES_JS = """
Object.defineProperty(Document.prototype, "cookie", {
  configurable: true, get() { return ""; }, set(value) {},
});
"""
"""document.cookie as a browser that blocks cookies shows it: always empty, writes ignored."""
POPUP_HTML = """
<input type="checkbox" id="chaos-popup-closed" hidden>
<div role="dialog" aria-label="Newsletter offer" data-chaos-popup style="position:fixed;inset:0;\
z-index:2147483647;background:rgba(0,0,0,.6);display:flex;align-items:center;\
justify-content:center"><div style="background:#fff;padding:2rem;max-width:26rem;\
font:16px system-ui"><h2>Get 10% off your first order!</h2><p>Join the newsletter for \
weekly deals.</p><label for="chaos-popup-closed" data-close role="button" style="display:\
inline-block;padding:.4rem 1rem;border:1px solid #333;cursor:pointer">Close</label></div></div>
<style>#chaos-popup-closed:checked + [data-chaos-popup] { display: none !important; }</style>
"""
"""An overlay that covers the page until Close is pressed; closing needs no JavaScript."""
ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} {reason}</title></head><body>"
    "<h1>{status} {reason}</h1><p>The server could not handle the request. "
    "Please try again later.</p></body></html>"
)
REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    429: "Too Many Requests",
}
DELAY_HEADER = "x-chaos-delay-ms"
_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "content-encoding"}
_ATTRIBUTE = re.compile(r'(\s(?:id|for)=")([^"]+)(")')
_CLASS = re.compile(r'(\sclass=")([^"]+)(")')


class Injector:
    """One episode's web fault (None: the baseline) and how often it fired."""

    def __init__(self, fault: WebFault | None, seed: str) -> None:
        self.fault = fault
        self.trigger = Trigger(fault.schedule, f"{seed}:{fault.name}") if fault else None
        self._suffix = hashlib.sha256(seed.encode()).hexdigest()[:5]
        self._offline = False
        self._transport: Any = None

    @property
    def fired(self) -> int:
        """Times the fault acted in this episode."""
        return 0 if self.trigger is None else self.trigger.fired

    @property
    def keeps_cookies(self) -> bool:
        """Whether the browser keeps and sends cookies (not when they are blocked)."""
        return not isinstance(self.fault, CookiesBlocked)

    def context_options(self) -> dict[str, Any]:
        """Options of the new browser context."""
        if isinstance(self.fault, JsOff):
            assert self.trigger is not None
            self.trigger()  # JavaScript is off for the whole episode: one firing
            return {"java_script_enabled": False}
        return {}

    async def install(self, context: BrowserContext, base_url: str) -> None:
        """Init scripts and request routing for the fault."""
        fault = self.fault
        if isinstance(fault, CookiesBlocked):
            await context.add_init_script(BLOCK_COOKIES_JS)
        if isinstance(
            fault,
            CookiesBlocked
            | Latency
            | HttpError
            | NetworkError
            | TruncatedBody
            | Popup
            | RenamedIds,
        ):
            origin = urlsplit(base_url).netloc

            async def handler(route: Route) -> None:
                await self._route(route, origin)

            await context.route("**/*", handler)

    async def uninstall(self, context: BrowserContext) -> None:
        """Stop routing (before the context closes) and close the proxy's connections."""
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None
        try:
            await context.unroute_all(behavior="ignoreErrors")
        except Exception:  # the context may be gone already
            pass

    async def before_action(self, context: BrowserContext, page: Page) -> None:
        """Hooks that fire on actions: clear storage, go offline or back online."""
        fault = self.fault
        if isinstance(fault, StorageCleared):
            assert self.trigger is not None
            if self.trigger():
                await context.clear_cookies()
                await _clear_web_storage(page)
        elif isinstance(fault, Offline):
            assert self.trigger is not None
            offline = self.trigger()
            if offline != self._offline:
                await context.set_offline(offline)
                self._offline = offline

    async def online(self, context: BrowserContext) -> None:
        """Back online (for the checks after an episode)."""
        if self._offline:
            await context.set_offline(False)
            self._offline = False

    # --- routing ---
    async def _route(self, route: Route, origin: str) -> None:
        request = route.request
        split = urlsplit(request.url)
        if split.netloc != origin or not self._applies(split.path, request.resource_type):
            await route.continue_()
            return
        assert self.trigger is not None
        if not self.trigger():
            await route.continue_()
            return
        await self._act(route)

    def _applies(self, path: str, resource_type: str) -> bool:
        fault = self.fault
        if isinstance(fault, Popup | RenamedIds):
            return resource_type == "document"
        routes = getattr(fault, "routes", ["*"])
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in routes)

    async def _act(self, route: Route) -> None:
        fault = self.fault
        if isinstance(fault, Latency):
            await asyncio.sleep(fault.delay_ms / 1000)
            # Tagged, so that the probe page can show the delay reached it.
            headers = {**route.request.headers, DELAY_HEADER: str(fault.delay_ms)}
            await route.continue_(headers=headers)
        elif isinstance(fault, HttpError):
            reason = REASONS.get(fault.status, "Error")
            body = ERROR_PAGE.format(status=fault.status, reason=reason)
            await route.fulfill(status=fault.status, content_type="text/html", body=body)
        elif isinstance(fault, NetworkError):
            await route.abort(fault.error)
        elif isinstance(fault, CookiesBlocked):
            await self._without_cookies(route)
        else:
            await self._modify(route)

    async def _modify(self, route: Route) -> None:
        """Fetch the real response and change its body (truncate, add a popup, rename ids)."""
        response = await route.fetch()
        body = await response.body()
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _HOP_HEADERS}
        fault = self.fault
        if isinstance(fault, TruncatedBody):
            body = body[: int(len(body) * fault.keep)]
        elif isinstance(fault, Popup):
            body = _after_body_tag(body.decode("utf-8", "replace"), POPUP_HTML).encode()
        elif isinstance(fault, RenamedIds):
            body = rename_ids(body.decode("utf-8", "replace"), self._suffix).encode()
        await route.fulfill(status=response.status, headers=headers, body=body)

    async def _without_cookies(self, route: Route) -> None:
        """Send the request ourselves, without its Cookie header; drop Set-Cookie from the answer.

        Playwright's own route.fetch() shares the context's cookie jar, so it cannot be used
        to keep cookies away from the site.
        """
        import httpx

        request = route.request
        headers = {
            k: v
            for k, v in (await request.all_headers()).items()
            if not k.startswith(":") and k.lower() not in _HOP_HEADERS | {"cookie"}
        }
        if self._transport is None:
            self._transport = httpx.AsyncHTTPTransport()
        outgoing = httpx.Request(
            request.method, request.url, headers=headers, content=request.post_data_buffer
        )
        try:
            response = await self._transport.handle_async_request(outgoing)
            body = await response.aread()
        except httpx.HTTPError:
            await route.abort("connectionfailed")
            return
        kept = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in _HOP_HEADERS | {"set-cookie"}
        ]
        await route.fulfill(status=response.status_code, headers=dict(kept), body=body)


def _after_body_tag(html: str, insert: str) -> str:
    match = re.search(r"<body[^>]*>", html, flags=re.IGNORECASE)
    if match is None:
        return insert + html
    return html[: match.end()] + insert + html[match.end() :]


def rename_ids(html: str, suffix: str) -> str:
    """Every id, label target and class of a page renamed consistently (`name` -> `name-x`)."""
    html = _ATTRIBUTE.sub(lambda m: f"{m[1]}{m[2]}-{suffix}{m[3]}", html)
    return _CLASS.sub(
        lambda m: m[1] + " ".join(f"{name}-{suffix}" for name in m[2].split()) + m[3], html
    )


async def _clear_web_storage(page: Page) -> None:
    try:
        await page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    except Exception:  # an error page or about:blank has no storage to clear
        pass
