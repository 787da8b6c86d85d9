"""A member logs in to the portal as a person would, in headless Chromium, with the link
that came through a real SMTP conversation: the served app (PATRON_SMTP_URL pointing at an
aiosmtpd server on a loopback port) mails the link, the test takes it from the message the
server received, opens it, presses the button and sees the balance; the used link is then
refused, and so is one that expired on the server's clock.

Under CI=true this test must run (tests/support/browser.py fails it when Chromium or
Playwright is missing); elsewhere it is skipped, saying what to install."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from patron.bootstrap import Patron
from patron.config import get_settings
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.conftest import Clock
from tests.support.browser import Visit
from tests.support.smtp import Inbox, smtp_inbox

LINK = re.compile(r"http://127\.0\.0\.1:\d+/portal/login/confirm\?token=[\w-]{43}")


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """An SMTP server, named by PATRON_SMTP_URL while the app is built and serves."""
    with smtp_inbox() as inbox, pytest.MonkeyPatch.context() as env:
        env.setenv("PATRON_SMTP_URL", inbox.url)
        get_settings.cache_clear()
        yield inbox
    get_settings.cache_clear()


@pytest.fixture
def portal(smtp: Inbox, served_app: str) -> str:
    """The served app, built after the SMTP server was named."""
    return served_app


def _ask_for_link(seen: Visit, base: str, smtp: Inbox, count: int) -> str:
    """Ask for a link on the login page; the link of the message number `count` to come."""
    seen.page.goto(f"{base}/portal/login")
    seen.page.fill("#email", "ana@shop.example")
    seen.page.click("text=Send me a link")
    seen.shows("#sent")
    assert "If this address belongs to a member, a link is on its way." in seen.page.inner_text(
        "#sent"
    )
    smtp.wait()
    assert len(smtp.received) == count
    message = smtp.received[-1].message
    assert (message["To"], message["Subject"]) == ("ana@shop.example", "Your login link")
    found = LINK.search(message.get_content())
    assert found is not None, message.get_content()
    assert found.group(0).startswith(f"{base}/portal/login/confirm?token=")
    smtp.arrived.clear()
    return found.group(0)


def test_a_member_logs_in_with_the_link_that_came_by_smtp_and_sees_the_balance(
    portal: str,
    smtp: Inbox,
    sqlite_patron: Patron,
    clock: Clock,
    visit: Callable[[str], Visit],
) -> None:
    # given Ana, a member with examples/program.toml's welcome bonus of 100 points
    sqlite_patron.run(enroll, Enroll("c-1", email="ana@shop.example", name="Ana Pop"))
    seen = visit(f"{portal}/portal")  # without a session: the login form
    assert seen.page.url == f"{portal}/portal/login"
    # when she asks for a link, opens it and presses the button
    link = _ask_for_link(seen, portal, smtp, count=1)
    seen.page.goto(link)
    seen.page.click("text=Log me in")
    # then she sees her points and tier
    seen.shows("#points")
    assert seen.page.url == f"{portal}/portal"
    assert seen.page.inner_text("#points") == "100"
    assert seen.page.inner_text("#pending") == "0"
    assert seen.page.inner_text("#tier") == "Bronze"
    # and the used link is refused
    answer = seen.page.goto(link)
    assert answer is not None and answer.status == 410
    assert seen.page.inner_text("#refused") == "This link was used already: a link logs in once."
    # a link opened in time but confirmed 15 minutes after it was made is refused too
    late = _ask_for_link(seen, portal, smtp, count=2)
    seen.page.goto(late)
    clock.advance(minutes=15)
    seen.page.click("text=Log me in")
    seen.shows("#refused")
    assert seen.page.inner_text("#refused") == "This link expired: a link works for 15 minutes."
    seen.settle()
    assert seen.foreign_requests() == []
    # the browser reports each refusal page's status as an error, and nothing else
    gone = "the server responded with a status of 410 (Gone)"
    assert [gone in error for error in seen.errors] == [True, True], seen.errors
