"""A member logs in to the portal as a person would, in headless Chromium, with the link
that came through a real SMTP conversation: the served app (PATRON_SMTP_URL pointing at an
aiosmtpd server on a loopback port) mails the link, the test takes it from the message the
server received, opens it, presses the button and sees the balance and the progress to
the next tier; redeems a reward and sees the balance and the history change; downloads
their data; logs out. The used link is then refused, and so is one that expired on the
server's clock.

Every page of the member's passes axe-core with no serious or critical violation, asks
for nothing outside the served app, logs no error, fits a 390 px phone without scrolling
sideways, and is photographed at desktop and phone widths into test-output/screenshots
(PATRON_TEST_OUTPUT moves it), as the console's are (tests/e2e/test_console_pages.py).

Under CI=true this test must run (tests/support/browser.py fails it when Chromium or
Playwright is missing); elsewhere it is skipped, saying what to install."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from patron.bootstrap import Patron
from patron.config import get_settings
from patron.services.adjust import adjust
from patron.services.commands import Adjust, Enroll
from patron.services.enroll import enroll
from patron.services.preferences import unsubscribe_link
from tests.conftest import Clock
from tests.e2e.test_console_pages import SHOTS, WIDTHS
from tests.integration.helpers import buy
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
    if count == 1:
        _check(seen, "sent")
    smtp.wait()
    assert len(smtp.received) == count
    message = smtp.received[-1].message
    assert (message["To"], message["Subject"]) == ("ana@shop.example", "Your login link")
    found = LINK.search(message.get_content())
    assert found is not None, message.get_content()
    assert found.group(0).startswith(f"{base}/portal/login/confirm?token=")
    smtp.arrived.clear()
    return found.group(0)


def _check(seen: Visit, name: str, *, refusal: bool = False) -> None:
    """axe-core, requests and errors of the page shown (a refusal page's own 4xx status
    aside); that a phone needs no sideways scroll; its screenshots at both widths."""
    from axe_playwright_python.sync_playwright import Axe

    seen.settle()
    results = Axe().run(seen.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    errors = [e for e in seen.errors if not (refusal and "the server responded with" in e)]
    assert seen.foreign_requests() == [] and errors == [], (seen.page.url, seen.errors)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        seen.page.set_viewport_size({"width": width, "height": height})
        wide = seen.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{seen.page.url} is {wide} px wide on a {width} px screen"
        seen.page.screenshot(path=SHOTS / f"portal-{name}-{label}.png", full_page=True)
    seen.page.set_viewport_size({"width": 1280, "height": 900})


def _redeem_coffee(seen: Visit, base: str) -> None:
    """From the rewards, choose the coffee, confirm, and see the voucher."""
    seen.page.click("nav >> text=Rewards")
    seen.shows("#now")
    assert "You have 300 points to spend." in seen.page.inner_text("#spendable")
    assert "700 points missing" in seen.page.inner_text("#reward-ten-off")
    _check(seen, "rewards")
    seen.page.click("text=Choose Free coffee")
    seen.shows("#after")
    assert (seen.page.inner_text("#cost"), seen.page.inner_text("#after")) == ("150 points", "150")
    _check(seen, "confirm-reward")
    seen.page.click("text=Redeem 150 points")
    seen.shows("#voucher")
    assert seen.page.url == f"{base}/portal/redemptions/1"
    assert (seen.page.inner_text("#voucher"), seen.page.inner_text("#points")) == ("1", "150")
    _check(seen, "voucher")


def _download(seen: Visit, tmp_path: Path) -> None:
    seen.page.click("nav >> text=Download my data")
    seen.shows("main button")
    _check(seen, "data")
    with seen.page.expect_download() as download:
        seen.page.click("main button")
    assert download.value.suggested_filename == "patron-member-1.json"
    saved = tmp_path / "mine.json"
    download.value.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert (document["member"]["email"], document["member"]["points"]) == (
        "ana@shop.example",
        100 + 200 + 120 - 150,
    )


def test_a_member_logs_in_with_the_link_that_came_by_smtp_redeems_and_logs_out(
    portal: str,
    smtp: Inbox,
    sqlite_patron: Patron,
    clock: Clock,
    visit: Callable[[str], Visit],
    tmp_path: Path,
) -> None:
    # given Ana, a member with examples/program.toml's welcome bonus of 100 points, 200
    # more from the shop, and a purchase of 120.00 EUR (120 points, pending for 14 days)
    ana = sqlite_patron.run(enroll, Enroll("c-1", email="ana@shop.example", name="Ana Pop"))
    sqlite_patron.run(adjust, Adjust(ana.member.id, 200, "a goodwill gesture", "tests"))
    buy(sqlite_patron, ana.member.id, "o-1", ("A", None, 1, "120.00"))
    seen = visit(f"{portal}/portal")  # without a session: the login form
    assert seen.page.url == f"{portal}/portal/login"
    _check(seen, "login")
    # when she asks for a link, opens it and presses the button
    link = _ask_for_link(seen, portal, smtp, count=1)
    seen.page.goto(link)
    _check(seen, "link")
    seen.page.click("text=Log me in")
    # then she sees her points, her tier and how far Silver is (500.00 EUR)
    seen.shows("#points")
    assert seen.page.url == f"{portal}/portal"
    assert seen.page.inner_text("#points") == "300"
    assert seen.page.inner_text("#pending") == "120"
    assert seen.page.inner_text("#tier") == "Bronze"
    progress = seen.page.locator("#tier-progress")
    assert (progress.get_attribute("value"), progress.get_attribute("max")) == ("120.00", "500.00")
    assert seen.page.inner_text("#tier-progress-text") == "€120.00 of €500.00"
    assert seen.page.inner_text("#pending-days") == "120 on Jan 15, 2026"
    _check(seen, "home")
    # her card page: no card yet, the forms to link one or get a digital one
    seen.page.click('nav >> a[href="/portal/card"]')
    seen.shows("#no-card")
    _check(seen, "card")
    # when she redeems a free coffee (150 points)
    _redeem_coffee(seen, portal)
    # then her balance and her history show it
    seen.page.click("nav >> text=Home")
    seen.shows("#points")
    assert seen.page.inner_text("#points") == "150"
    seen.page.click("nav >> text=History")
    seen.shows("#entries")
    newest = seen.page.locator("#entries tbody tr").first.inner_text()
    assert newest.split("\t")[1:] == ["Spent on a reward", "-150"]
    assert seen.page.locator("#purchases tbody tr").count() == 1
    _check(seen, "history")
    seen.page.click("nav >> text=Invite a friend")
    seen.shows("#bonus")
    assert seen.page.inner_text("#bonus").startswith(
        "When a friend who joined through your link first buys for at least €20.00,"
        " you get 200 points and your friend 200 points."
    )
    _check(seen, "invite")
    # her preferences: each channel's answer, and the language of her messages
    seen.page.click("nav >> text=Preferences")
    seen.shows("#marketing_sms")
    _check(seen, "preferences")
    # the unsubscribe link of a message: a page with a button (a GET changes nothing)
    url = sqlite_patron.run(
        lambda uow, m: unsubscribe_link(uow, portal, m, "marketing", None), ana.member.id
    )
    seen.page.goto(url)
    _check(seen, "unsubscribe")
    seen.page.click("main button")
    seen.shows("#done")
    _check(seen, "unsubscribed")
    seen.page.goto(f"{portal}/portal")
    seen.shows("#points")
    _download(seen, tmp_path)
    # when she logs out, the portal asks for a login again
    seen.page.click("text=Log out")
    seen.shows("#email")
    seen.page.goto(f"{portal}/portal/history")
    assert seen.page.url == f"{portal}/portal/login"
    # and the used link is refused
    answer = seen.page.goto(link)
    assert answer is not None and answer.status == 410
    assert seen.page.inner_text("#refused") == "This link was used already: a link logs in once."
    _check(seen, "refused", refusal=True)
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


def test_a_member_answers_a_survey_by_their_link_without_logging_in(
    served_app: str, visit: Callable[[str], Visit], sqlite_patron: Patron
) -> None:
    """The survey page and its thanks pass axe; the form works without a login."""
    from patron.services import surveys as uc

    ana = sqlite_patron.run(enroll, Enroll("C-1", email="ana@shop.example", name="Ana"))
    made = uc.AddSurvey("nps", "nps", {"en": "How likely are you to recommend us?"}, "test",
                        {"en": "What is the main reason for your score?"})  # fmt: skip
    sid = sqlite_patron.run(uc.add_survey, made).id
    link = sqlite_patron.run(lambda uow, _: uc.invite(uow, sid, ana.member.id, None), None)
    seen = visit(f"{served_app}/portal/survey/{link.token}")
    seen.shows("legend:text('How likely are you to recommend us?')")
    _check(seen, "survey")
    seen.page.check("#score-10")
    seen.page.fill("#comment", "Friendly staff")
    seen.page.click("button:text('Send my answer')")
    seen.shows("#answered")
    _check(seen, "survey-answered")
    answered = sqlite_patron.read(uc.latest_responses, sid)
    assert [(r.score, r.comment) for r in answered] == [(10, "Friendly staff")]
    seen.page.goto(f"{served_app}/portal/survey/{link.token}")
    seen.shows("#refused")
    _check(seen, "survey-refused", refusal=True)
