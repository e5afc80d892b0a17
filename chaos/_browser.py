"""Debian's Chromium driven by Playwright's async API on a thread of its own.

Playwright objects belong to the thread that made them, while the agent loop runs each tool
call on a worker thread of its own, so every browser operation is a coroutine sent to one event
loop thread and awaited with a timeout. `Browser` owns Chromium (closing it ends every process
it started); a `Tab` is one episode's fresh browser context with one page.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Coroutine
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from chaos._errors import BrowserMissing, ChaosError
from chaos._observe import EXTRACT_JS, Observation, from_extract

if TYPE_CHECKING:
    from playwright.async_api import Browser as PlaywrightBrowser
    from playwright.async_api import BrowserContext, Page, Playwright

    from chaos._inject import Injector

CHROMIUM = Path(os.environ.get("REGENLAB_CHROMIUM", "/usr/bin/chromium"))
"""Debian's chromium (scripts/setup installs it); never a downloaded browser."""
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    # Chromium's own connections (updates, sync, field trials) are refused on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1000, 720
NAVIGATION_TIMEOUT_MS = 10_000
ACTION_TIMEOUT_MS = 3_000
"""How long a click or a fill waits for its element (a covered element fails after it)."""
SETTLE_LIMIT_S = 5.0
"""Longest wait for a page's requests to finish after an action."""
CALL_MARGIN_S = 20.0
"""Extra seconds the caller waits for a browser operation beyond its own timeouts."""

T = TypeVar("T")


class ActionFailed(ChaosError):
    """A browser action that did not succeed; the message is what the agent is told."""


def browser_problem() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    problems = []
    if not CHROMIUM.is_file():
        problems.append(f"{CHROMIUM} not found (scripts/setup installs Debian's chromium as root)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        problems.append("playwright is not installed (pip install -e '.[dev]')")
    return "; ".join(problems) or None


class _Loop:
    """An asyncio event loop running on its own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="chaos-browser", daemon=True
        )
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `coro` on the loop; wait at most `timeout` seconds for it."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise ActionFailed(f"the browser did not answer within {timeout:.0f} s") from exc

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not self.thread.is_alive():
            self.loop.close()


class Browser:
    """Headless Chromium; use it as a context manager (`with Browser() as browser:`)."""

    def __init__(self) -> None:
        self._loop: _Loop | None = None
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None

    def start(self) -> Browser:
        """Launch Chromium (a BrowserMissing error says what to install when it cannot)."""
        problem = browser_problem()
        if problem:
            raise BrowserMissing(f"the chaos lab's browser: {problem}")
        self._loop = _Loop()
        try:
            self._loop.call(self._launch(), 60)
        except BaseException:
            self.stop()
            raise
        return self

    async def _launch(self) -> None:
        from playwright.async_api import async_playwright

        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )

    def stop(self) -> None:
        """Close Chromium and Playwright's driver, and end the loop thread. Idempotent."""
        if self._loop is None:
            return
        try:
            self._loop.call(self._close(), 30)
        finally:
            self._loop.stop()
            self._loop = None

    async def _close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()
        self._browser = self._playwright = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run a coroutine on the browser's loop."""
        if self._loop is None:
            coro.close()
            raise ChaosError("the browser is not running; fix: start it (use `with Browser()`)")
        return self._loop.call(coro, timeout)

    def new_tab(self, base_url: str, injector: Injector, cookies: list[dict[str, Any]]) -> Tab:
        """A fresh context (no state from any earlier tab) with the fault of `injector` in it."""
        return self.run(self._new_tab(base_url, injector, cookies), 60)

    async def _new_tab(
        self, base_url: str, injector: Injector, cookies: list[dict[str, Any]]
    ) -> Tab:
        assert self._browser is not None
        context = await self._browser.new_context(
            viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT},
            base_url=base_url,
            **injector.context_options(),
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        if cookies and injector.keeps_cookies:
            await context.add_cookies(cookies)  # type: ignore[arg-type]
        await injector.install(context, base_url)
        page = await context.new_page()
        return Tab(self, context, page, base_url, injector)

    def __enter__(self) -> Browser:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class Tab:
    """One episode's browser context and page; every method blocks until the browser is done."""

    def __init__(
        self,
        browser: Browser,
        context: BrowserContext,
        page: Page,
        base_url: str,
        injector: Injector,
    ) -> None:
        self.browser = browser
        self.context = context
        self.page = page
        self.base_url = base_url
        self.injector = injector
        self._inflight = 0
        page.on("request", lambda _: self._count(1))
        page.on("requestfinished", lambda _: self._count(-1))
        page.on("requestfailed", lambda _: self._count(-1))

    def _count(self, delta: int) -> None:
        self._inflight = max(0, self._inflight + delta)

    def _run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 0.0) -> T:
        limit = timeout_s + (NAVIGATION_TIMEOUT_MS + ACTION_TIMEOUT_MS) / 1000 + CALL_MARGIN_S
        return self.browser.run(coro, limit)

    def url(self, target: str) -> str:
        """`target` as a URL of the shop; any other origin is refused."""
        url = urljoin(self.base_url + "/", target)
        if urlsplit(url).netloc != urlsplit(self.base_url).netloc:
            raise ActionFailed(f"{target!r} is not on the shop ({self.base_url}); stay on the site")
        return url

    # --- actions: each runs the fault's before-action hook, acts, then waits for the page ---
    def goto(self, target: str) -> None:
        """Open a URL of the shop."""
        url = self.url(target)
        self._run(self._act(lambda: self.page.goto(url)))

    def click(self, bid: str) -> None:
        """Click the element with this observation id."""
        self._run(self._act(lambda: self._on(bid, lambda e: e.click())))

    def fill(self, bid: str, text: str) -> None:
        """Replace what a field holds with `text`."""
        self._run(self._act(lambda: self._on(bid, lambda e: e.fill(text))))

    def select(self, bid: str, option: str) -> None:
        """Choose a drop-down's option by its visible text."""
        self._run(self._act(lambda: self._on(bid, lambda e: e.select_option(label=option))))

    def press_enter(self, bid: str) -> None:
        """Press Enter in a field (submitting its form)."""
        self._run(self._act(lambda: self._on(bid, lambda e: e.press("Enter"))))

    def back(self) -> None:
        """Go back one page."""
        self._run(self._act(lambda: self.page.go_back()))

    async def _on(self, bid: str, action: Any) -> None:
        element = self.page.locator(f'[data-bid="{bid}"]')
        if await element.count() == 0:
            raise ActionFailed(f"there is no element [{bid}] on this page; look at the page again")
        await action(element.first)

    async def _act(self, action: Any) -> None:
        await self.injector.before_action(self.context, self.page)
        try:
            await action()
        except Exception as exc:
            raise ActionFailed(_first_line(exc)) from exc
        finally:
            await self._settle()

    async def _settle(self) -> None:
        """Wait for the page to load and for its requests (those JavaScript sends) to finish."""
        try:
            await self.page.wait_for_load_state("load", timeout=SETTLE_LIMIT_S * 1000)
        except Exception:  # an error page or a stuck load: observe what is there
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_LIMIT_S
        quiet = 0
        while loop.time() < deadline and quiet < 2:
            quiet = quiet + 1 if self._inflight == 0 else 0
            await asyncio.sleep(0.03)

    # --- reading the page ---
    def observe(self) -> Observation:
        """The page as the agent sees it (see _observe)."""
        return self._run(self._observe())

    async def _observe(self) -> Observation:
        url = self._relative(self.page.url)
        try:
            data = await self.page.evaluate(EXTRACT_JS)
        except Exception as exc:
            return Observation(url=url, title="", lines=(), error=_first_line(exc))
        return from_extract(url, data)

    def _relative(self, url: str) -> str:
        return url[len(self.base_url) :] or "/" if url.startswith(self.base_url) else url

    def text(self) -> str:
        """The page's visible text (what `read` steps and answers are taken from)."""
        return self._run(self._text())

    async def _text(self) -> str:
        try:
            return str(await self.page.inner_text("body", timeout=2000))
        except Exception:
            return ""

    def screenshot(self) -> bytes:
        """A JPEG of the viewport."""
        return self._run(self.page.screenshot(type="jpeg", quality=55, timeout=5000))

    def fetch(self, path: str) -> tuple[int, str]:
        """GET a page of the shop with this tab's cookies, outside the page and its faults."""
        return self._run(self._fetch(self.url(path)))

    async def _fetch(self, url: str) -> tuple[int, str]:
        cookies = await self.context.cookies() if self.injector.keeps_cookies else []
        header = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
        import httpx

        async with httpx.AsyncClient() as client:
            response = await client.get(url, headers={"cookie": header} if header else {})
        return response.status_code, response.text

    def close(self) -> None:
        """Close the context: cookies, storage and pages go with it (a fresh one next time)."""
        self._run(self._close())

    async def _close(self) -> None:
        await self.injector.uninstall(self.context)
        await self.context.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    for prefix in ("Locator.", "Page."):
        if line.startswith(prefix):
            line = line.split(": ", 1)[-1]
    return line[:300]
