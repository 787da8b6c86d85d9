"""The console in a real browser (headless Chromium, tests/support/browser.py): a staff
user logs in, finds a customer, adjusts their points with a reason and sees it in the
ledger and the audit log; an analyst gets no adjustment form; logged out, every page
leads to the login. Every page passes axe-core with no serious or critical violation,
asks for nothing outside the served app, logs no error, and is photographed at desktop
and phone widths into test-output/screenshots (PATRON_TEST_OUTPUT moves it)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from patron.bootstrap import Patron
from patron.services.campaigns import CampaignSpec, CreateCampaign, create_campaign
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from patron.services.staff import NewUser, create_user
from tests.integration.helpers import buy
from tests.support.browser import Visit
from tests.web.conftest import PASSWORD, cheap_hashes  # noqa: F401 - the fixture, used here too

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("PATRON_TEST_OUTPUT", ROOT / "test-output")) / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PAGES = [
    "/console",
    "/console/customers",
    "/console/customers/1",
    "/console/cohorts",
    "/console/segments",
    "/console/lifetime",
    "/console/goals",
    "/console/experiments",
    "/console/surveys",
    "/console/campaigns",
    "/console/campaigns/1",
    "/console/audit",
    "/console/program",
    "/console/simulate",
    "/console/rewards",
    "/console/events",
    "/console/journeys",
    "/console/keys",
    "/console/suppressions",
    "/console/webhooks",
    "/console/liability",
    "/console/budget",
]


@pytest.fixture
def shop(sqlite_patron: Patron) -> Iterator[Patron]:
    """Ana (id 1: 100 welcome points, a purchase), two staff users and a campaign's draft
    (id 1, its audience previewed on its page)."""
    member = sqlite_patron.run(enroll, Enroll("C-100", email="ana@shop.ro", name="Ana Pop"))
    buy(sqlite_patron, member.member.id, "o-1", ("A", "books", 1, "40.00"))
    spring = CampaignSpec("spring", audience={"consent": False}, offer={"bonus": 50})
    content = {"A": {"subject": "Spring", "text": "Hello {{ member.first_name }}"}}
    # with content, the campaign's page has its variant and language chooser too
    sqlite_patron.run(create_campaign, CreateCampaign(spring, "cli:root", content))
    for role in ("owner", "analyst"):
        new = NewUser(f"{role}@shop.ro", role, None, PASSWORD)
        sqlite_patron.run(lambda uow, n: create_user(uow, n, "cli:root"), new)
    yield sqlite_patron


def _log_in(visit: Callable[[str], Visit], base: str, email: str) -> Visit:
    seen = visit(f"{base}/console")
    assert seen.page.url.startswith(f"{base}/console/login?next=/console")
    seen.page.fill("#email", email)
    seen.page.fill("#password", PASSWORD)
    seen.page.click("button[type=submit]")
    seen.shows("h1:text('Overview')")
    return seen


def _check(seen: Visit, name: str, status: int = 200) -> None:
    """axe-core, requests and errors of the page shown, and its screenshots; `status`: the
    page's own, which Chromium logs as an error when it is not a success."""
    from axe_playwright_python.sync_playwright import Axe

    seen.settle()
    results = Axe().run(seen.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    own = f"the server responded with a status of {status}"
    errors = [e for e in seen.errors if status == 200 or own not in e]
    assert seen.foreign_requests() == [] and errors == [], (seen.page.url, errors)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        seen.page.set_viewport_size({"width": width, "height": height})
        seen.page.screenshot(path=SHOTS / f"console-{name}-{label}.png", full_page=True)
    seen.page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.usefixtures("shop")
def test_an_owner_finds_a_customer_and_adjusts_their_points(
    served_app: str, visit: Callable[[str], Visit]
) -> None:
    seen = _log_in(visit, served_app, "owner@shop.ro")
    page = seen.page
    _check(seen, "overview")
    page.click("nav >> text=Customers")
    page.fill("#q", "ana pop")
    page.click("button:text('Find')")
    seen.shows("#count:text('1–1 of 1 members')")
    _check(seen, "customers")
    page.click("a:text('C-100')")
    seen.shows("#balance-points:text('100')")
    _check(seen, "customer")
    page.fill("#adjust-points", "25")
    page.fill("#adjust-reason", "broken mug")
    page.click("button:text('Adjust')")
    seen.shows("text=Adjusted: +25 points: broken mug")
    assert page.inner_text("#balance-points") == "125"
    assert "user:owner@shop.ro" in page.inner_text("#timeline tr.adjust")  # the timeline
    _check(seen, "customer-adjusted")
    # a reason with a direction control is refused beside its field, nothing changed
    page.fill("#adjust-points", "5")
    page.fill("#adjust-reason", "gift \u202egum")
    page.click("button:text('Adjust')")
    seen.shows("#adjust-reason-error")
    assert "changes the text's direction" in page.inner_text("#adjust-reason-error")
    assert page.inner_text("#balance-points") == "125"
    _check(seen, "customer-refused-reason", status=422)
    seen.errors.clear()  # Chromium's log of that 422, checked: the next pages start clean
    page.goto(f"{served_app}/console/customers?abc=C")  # the one buyer ranks 1/1: past A and B
    seen.shows("#count:text('1–1 of 1 members')")
    assert page.inner_text("td.abc") == "C"
    _check(seen, "customers-abc")
    page.click("nav >> text=Audit log")
    seen.shows("#audit >> text=broken mug")
    assert "user:owner@shop.ro" in page.inner_text("#audit")
    _check(seen, "audit")
    for name in (
        "segments",
        "cohorts",
        "lifetime",
        "goals",
        "experiments",
        "campaigns",
        "campaigns/1",
        "rewards",
        "events",
        "keys",
        "webhooks",
        "liability",
        "budget",
        "simulate",
    ):
        page.goto(f"{served_app}/console/{name}")
        _check(seen, name)
    page.click("button:text('Log out')")
    seen.shows("h1:text('Log in to the console')")
    _check(seen, "login")
    for path in PAGES:
        page.goto(f"{served_app}{path}")
        assert page.url.startswith(f"{served_app}/console/login?next="), path


@pytest.mark.usefixtures("shop")
def test_an_analyst_reads_but_gets_no_adjustment_form(
    served_app: str, visit: Callable[[str], Visit]
) -> None:
    seen = _log_in(visit, served_app, "analyst@shop.ro")
    seen.page.goto(f"{served_app}/console/customers/1")
    seen.shows("#balance-points:text('100')")
    assert seen.page.locator("form.adjust").count() == 0
    assert seen.foreign_requests() == [] and seen.errors == []


@pytest.mark.usefixtures("shop")
def test_a_program_file_with_errors_is_refused_beside_its_lines_then_a_valid_one_loads(
    served_app: str, visit: Callable[[str], Visit], tmp_path: Path
) -> None:
    seen = _log_in(visit, served_app, "owner@shop.ro")
    page = seen.page
    page.click("nav >> text=Program")
    seen.shows("h2:text('Patron Demo Rewards, version 1')")
    _check(seen, "program")
    example = (ROOT / "examples" / "program.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(example.replace("threshold = 500", "threshold = -5"))
    page.set_input_files("#file", str(bad))
    page.click("button:text('Check and load')")
    seen.shows("#refused")
    assert page.inner_text("#source li.bad .why") == (
        "tiers.levels.1.threshold: Input should be greater than or equal to 0"
    )
    assert "threshold = -5" in page.inner_text("#source li.bad code")
    _check(seen, "program-refused", status=422)
    seen.errors.clear()  # Chromium's log of that 422, checked: the next pages start clean
    good = tmp_path / "good.toml"
    good.write_text(example.replace("welcome_bonus = 100", "welcome_bonus = 150"))
    page.set_input_files("#file", str(good))
    page.click("button:text('Check and load')")
    seen.shows("text=Version 2 loaded.")
    page.set_input_files("#file", str(good))  # the same program again: no new version
    page.click("button:text('Check and load')")
    seen.shows("#unchanged")
    _check(seen, "program-unchanged")
    seen.shows("h2:text('Patron Demo Rewards, version 2')")
    assert "A welcome gift of 150 points on joining." in page.inner_text("#summary")


@pytest.mark.usefixtures("shop")
def test_an_owner_makes_a_survey_and_reads_its_results(
    served_app: str, visit: Callable[[str], Visit], shop: Patron
) -> None:
    """The surveys page and one survey's results (a chart beside its table) pass axe."""
    from patron.services import surveys as uc

    seen = _log_in(visit, served_app, "owner@shop.ro")
    page = seen.page
    page.click("nav >> text=Surveys")
    seen.shows("#no-surveys")
    _check(seen, "surveys")
    page.fill("#survey-name", "After a purchase")
    page.fill("#survey-question", "How likely are you to recommend us?")
    page.fill("#survey-comment", "Why?")
    page.click("button:text('Make the survey')")
    seen.shows("#no-answers")
    sid = int(page.url.rsplit("/", 1)[1])
    link = shop.run(lambda uow, _: uc.invite(uow, sid, 1, None), None)
    shop.run(uc.respond, uc.Respond(link.token, 9, "Friendly"))
    page.goto(f"{served_app}/console/surveys/{sid}?by=month")
    seen.shows("#results")
    assert page.locator("#chart svg").count() == 1
    assert "Friendly" in page.inner_text("#answers")
    _check(seen, "survey")
