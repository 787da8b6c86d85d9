"""A customer joins from the portal as a person would, in headless Chromium: from the
login page to the join form, one step, the welcome gift shown at once, the profile, and
the logout. Every page passes axe-core with no serious or critical violation, asks for
nothing outside the served app, logs no error, and is photographed at desktop and phone
widths into test-output/screenshots (tests/e2e/test_console_pages.py's `_check`).

The confirmation the join mails goes through a real SMTP conversation (aiosmtpd,
tests/e2e/test_portal_browser.py's fixtures). Under CI=true this test must run; elsewhere
it is skipped, saying what to install."""

from __future__ import annotations

from collections.abc import Callable

from patron.bootstrap import Patron
from tests.e2e.test_console_pages import SHOTS, WIDTHS
from tests.e2e.test_portal_browser import portal, smtp  # noqa: F401 - the fixtures, used here
from tests.support.browser import Visit
from tests.support.smtp import Inbox


def _check(seen: Visit, name: str) -> None:
    """axe-core, requests and errors of the page shown, and its screenshots."""
    from axe_playwright_python.sync_playwright import Axe

    seen.settle()
    results = Axe().run(seen.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    assert seen.foreign_requests() == [] and seen.errors == [], (seen.page.url, seen.errors)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        seen.page.set_viewport_size({"width": width, "height": height})
        seen.page.screenshot(path=SHOTS / f"portal-{name}-{label}.png", full_page=True)
    seen.page.set_viewport_size({"width": 1280, "height": 900})


def test_a_customer_joins_sees_the_welcome_gift_and_logs_out(
    portal: str,  # noqa: F811 - the fixture
    smtp: Inbox,  # noqa: F811 - the fixture
    sqlite_patron: Patron,
    visit: Callable[[str], Visit],
) -> None:
    # given: the login page (examples/program.toml: a welcome gift of 100 points)
    seen = visit(f"{portal}/portal/login")
    page = seen.page
    # when: she follows Join and sends the one form
    page.click("a#join")
    seen.shows("h1:text('Join the loyalty program')")
    _check(seen, "join")
    page.fill("#email", "maria@shop.example")
    page.fill("#name", "Maria Ionescu")
    page.fill("#phone", "+40 722 123 456")
    page.check("#marketing")
    page.click("button:text('Join')")
    # then: she is a member at once and sees her welcome gift
    seen.shows("#welcome-points")
    assert page.url == f"{portal}/portal/welcome"
    assert page.inner_text("#welcome-points") == "100 points"
    assert "maria@shop.example" in page.inner_text("#confirm-hint")
    _check(seen, "welcome")
    # the confirmation came by SMTP to her address
    smtp.wait()
    message = smtp.received[-1].message
    assert (message["To"], message["Subject"]) == ("maria@shop.example", "Confirm your address")
    # her profile holds what she typed, her consent given
    page.click("text=Your profile")
    seen.shows("#consent-state")
    assert page.input_value("#phone") == "+40722123456"
    assert page.is_checked("#marketing")
    _check(seen, "profile")
    # when she logs out, the portal asks for a login again
    page.click("button:text('Log out')")
    seen.shows("a#join")
    assert page.url == f"{portal}/portal/login"
    assert visit(f"{portal}/portal/welcome").page.url == f"{portal}/portal/login"
    assert seen.foreign_requests() == []
