"""Headless Chromium for the tests: the machine's browser, driven by Playwright, phoning nowhere.

Design overview. The browser tests open the pages of the app served on a loopback port
(the API's /docs and /redoc; the console's pages next) and check what a person would see.
They use the machine's `chromium`, the Debian package that `.ci/run` installs (or the binary
PATRON_CHROMIUM names), never a browser that Playwright downloads: `playwright install` is
never run. Under CI=true a missing browser or Playwright fails the test; elsewhere the test
is skipped, saying what to install.

A test must be able to say that a page needs nothing from outside the machine, so:
- the browser itself sends nothing anywhere: no background networking, component updates,
  first-run or sync pings, and no host name but the loopback's resolves;
- each `Visit` records every request its pages make, refuses (and still records) those for
  anywhere but the served origin, so that a failing test does not reach the internet
  either, and collects the pages' console errors and uncaught exceptions.

Fixtures, registered for the whole suite by tests/conftest.py:
- `chromium`: the browser, launched once per test module;
- `visit`: `visit(url)` opens `url` in a fresh context and answers a `Visit`;
- `served_app`: the base URL of the real app, over the test's `sqlite_patron` store
  (a test that asks for both can fill the store its pages show).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest

from patron.bootstrap import Patron
from tests.conftest import IN_CI
from tests.e2e.server import running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Request, Route

# The browser's own traffic, off (Playwright passes most of these too: said here, they stay
# whatever its defaults become).
QUIET = (
    "--disable-background-networking",  # safe browsing lists, field trials, ...
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",  # metrics are recorded, never sent
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
)
# Schemes whose requests never leave the page: inline data, the page's own blobs (ReDoc's
# worker), blank frames.
LOCAL_SCHEMES = ("data:", "blob:", "about:")
NAVIGATION_TIMEOUT_MS = 60_000  # a loaded two-core machine parses ReDoc's megabyte slowly


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail under CI=true, where the browser tests must run."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


def chromium_executable() -> str:
    """PATRON_CHROMIUM, or the `chromium` on PATH."""
    named = os.environ.get("PATRON_CHROMIUM")
    if named:
        if not (os.path.isfile(named) and os.access(named, os.X_OK)):
            unavailable(f"PATRON_CHROMIUM={named} is not an executable file")
        return named
    found = shutil.which("chromium")
    if found is None:
        unavailable(
            "no `chromium` on PATH: install the Debian package `chromium` (.ci/run does),"
            " or name a Chromium binary in PATRON_CHROMIUM"
        )
    return found


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stays_home(url: str, origin: str) -> bool:
    """Whether a request for `url` stays on the machine: for `origin`, or a local scheme."""
    return origin_of(url) == origin or url.startswith(LOCAL_SCHEMES)


@dataclass
class Visit:
    """A page opened on the served app, with what it asked for and what went wrong in it."""

    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """The requests for anywhere but the served origin (each was refused)."""
        return [url for url in self.requests if not stays_home(url, self.origin)]

    def shows(self, selector: str) -> None:
        """Wait until `selector` is on the page; if it never is, fail saying what the page
        asked for elsewhere and which errors it had (the usual reasons)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.locator(selector).first.wait_for()
        except PlaywrightTimeout as exc:
            raise AssertionError(
                f"{selector} never showed on {self.page.url};"
                f" refused requests: {self.foreign_requests()}; errors: {self.errors}"
            ) from exc

    def settle(self) -> None:
        """Wait until the page has made no request for half a second, so that what an image
        or a script asks for after the page has rendered is recorded too."""
        self.page.wait_for_load_state("networkidle")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: `make test` installs it (requirements/test.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=list(QUIET),
            # as root (a CI container) Chromium starts only without its sandbox
            chromium_sandbox=os.geteuid() != 0,
        )
        yield browser
        browser.close()


@pytest.fixture
def visit(chromium: Browser) -> Iterator[Callable[[str], Visit]]:
    contexts: list[BrowserContext] = []

    def open_page(url: str) -> Visit:
        context = chromium.new_context()
        contexts.append(context)
        context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
        seen = Visit(context.new_page(), origin_of(url))
        _record(context, seen)
        response = seen.page.goto(url)
        assert response is not None and response.status == 200, f"GET {url}: {response}"
        return seen

    yield open_page
    for context in contexts:
        context.close()


def _record(context: BrowserContext, seen: Visit) -> None:
    """Record the context's requests and errors into `seen`; refuse what leaves the machine."""

    def route(route: Route) -> None:
        if stays_home(route.request.url, seen.origin):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def on_request(request: Request) -> None:
        seen.requests.append(request.url)

    def on_console(message: Any) -> None:
        if message.type == "error":
            seen.errors.append(f"console: {message.text} ({message.location})")

    context.route("**/*", route)
    context.on("request", on_request)
    context.on("console", on_console)
    context.on("weberror", lambda error: seen.errors.append(f"uncaught: {error.error}"))


@pytest.fixture
def served_app(sqlite_patron: Patron) -> Iterator[str]:
    with running_server(sqlite_patron) as base:
        yield base
