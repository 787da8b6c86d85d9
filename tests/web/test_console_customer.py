"""One customer in the console (web/customer.py), on both stores: the figures of the
API's use cases, and the adjustment form, which needs a role that may change data and
the page's token, runs the API's use case under the staff user's name (ledger and audit
log), and answers with a redirect so a reload sends nothing again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.services.audit import audit_trail
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from patron.services.queries import balance, ledger_entries
from tests.integration.helpers import buy
from tests.web.conftest import token


@pytest.fixture
def ana(patron: Patron) -> int:
    """Example program: 100 welcome points; 40.00 EUR of books earn 2 x 40 = 80 points,
    pending for 14 days."""
    member = patron.run(enroll, Enroll("C-100", email="ana@shop.ro", name="Ana Pop")).member.id
    buy(patron, member, "o-1", ("A", "books", 1, "40.00"))
    return member


def test_the_page_shows_the_api_figures(
    log_in: Callable[[str], TestClient], patron: Patron, ana: int
) -> None:
    page = log_in("analyst").get(f"/console/customers/{ana}")
    assert page.status_code == 200
    view = patron.read(balance, ana)
    assert (view.points, view.pending) == (100, 80)  # what the example program says
    assert '<dd id="balance-points">100</dd>' in page.text
    assert '<dd id="balance-pending">80</dd>' in page.text
    assert '<dd id="balance-tier">Bronze (460.00 to Silver)</dd>' in page.text
    # the timeline: the welcome points and the purchase (its earn entry is the purchase's)
    assert len(patron.read(ledger_entries, ana, 50, None)) == 2
    assert page.text.count('<tr class="welcome">') == page.text.count('<tr class="purchase">') == 1


def test_an_owner_adjusts_with_a_reason_and_the_ledger_and_audit_name_them(
    log_in: Callable[[str], TestClient], patron: Patron, ana: int
) -> None:
    owner = log_in("owner")
    page = owner.get(f"/console/customers/{ana}").text
    form = {"points": "25", "reason": "broken mug", "csrf": token(page)}
    answer = owner.post(f"/console/customers/{ana}/adjustments", data=form)
    assert answer.status_code == 303
    [entry] = [e for e in patron.read(ledger_entries, ana, 50, None) if e.kind.value == "adjust"]
    assert answer.headers["location"] == f"/console/customers/{ana}?adjusted={entry.id}"
    shown = owner.get(answer.headers["location"]).text
    assert "Adjusted: +25 points: broken mug" in shown
    assert '<dd id="balance-points">125</dd>' in shown
    assert (entry.points, entry.actor, entry.reason) == (25, "user:owner@shop.ro", "broken mug")
    [audited] = patron.read(audit_trail, AuditQuery(action="points.adjusted")).entries
    assert (audited.actor, audited.member_id, audited.reason) == (
        "user:owner@shop.ro",
        ana,
        "broken mug",
    )


def test_a_refused_adjustment_says_why_and_changes_nothing(
    log_in: Callable[[str], TestClient], patron: Patron, ana: int
) -> None:
    marketer = log_in("marketer")
    sent = token(marketer.get(f"/console/customers/{ana}").text)
    # a correction takes back at most the live points: 100 spendable and 80 pending
    too_much = {"points": "-181", "reason": "correction", "csrf": sent}
    answer = marketer.post(f"/console/customers/{ana}/adjustments", data=too_much)
    assert answer.status_code == 422
    assert "Not adjusted: 181 points requested but only 180 are spendable" in answer.text
    no_reason = {"points": "5", "reason": "  ", "csrf": sent}
    answer = marketer.post(f"/console/customers/{ana}/adjustments", data=no_reason)
    assert answer.status_code == 422
    assert "Not adjusted: reason: say why the balance is adjusted (it is audited)" in answer.text
    # an address cannot make the page say anything: only an entry of this member is told
    told = marketer.get(f"/console/customers/{ana}?adjusted=1").text
    assert "Adjusted:" not in told
    assert (patron.read(balance, ana).points, patron.read(balance, ana).pending) == (100, 80)


def test_an_analyst_sees_no_form_and_cannot_post_one(
    log_in: Callable[[str], TestClient], patron: Patron, ana: int
) -> None:
    analyst = log_in("analyst")
    page = analyst.get(f"/console/customers/{ana}").text
    assert "Adjust points" not in page
    sent = token(page)  # the logout form's: the session's token
    form = {"points": "500", "reason": "free points", "csrf": sent}
    answer = analyst.post(f"/console/customers/{ana}/adjustments", data=form)
    assert answer.status_code == 403 and "reads only" in answer.text
    assert patron.read(balance, ana).points == 100


def test_an_adjustment_without_the_pages_token_is_refused(
    log_in: Callable[[str], TestClient], patron: Patron, ana: int
) -> None:
    owner = log_in("owner")
    answer = owner.post(
        f"/console/customers/{ana}/adjustments",
        data={"points": "500", "reason": "x", "csrf": "forged"},
    )
    assert answer.status_code == 403
    assert patron.read(balance, ana).points == 100


def test_an_unknown_customer_is_a_page_that_says_so(log_in: Callable[[str], TestClient]) -> None:
    answer = log_in("analyst").get("/console/customers/999999")
    assert answer.status_code == 404 and "No customer has the id 999999." in answer.text


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("broken\x00mug", "character 7 is a control character (U+0000): write plain text"),
        ("mug\x1b[2J", "character 4 is a control character (U+001B): write plain text"),
        (
            "gift \u202egum",
            "character 6 changes the text&#39;s direction (U+202E): write plain text",
        ),
    ],
)
def test_a_reason_with_control_characters_is_refused_beside_its_field(
    log_in: Callable[[str], TestClient], patron: Patron, ana: int, reason: str, why: str
) -> None:
    # a review found NUL and escape characters written into the audited reason
    owner = log_in("owner")
    form = {
        "points": "25",
        "reason": reason,
        "csrf": token(owner.get(f"/console/customers/{ana}").text),
    }
    answer = owner.post(f"/console/customers/{ana}/adjustments", data=form)
    assert answer.status_code == 422
    beside = (
        'aria-invalid="true" aria-describedby="adjust-reason-error">\n  <p class="error'
        f' field-error" id="adjust-reason-error" role="alert">Not adjusted: reason: {why}</p>'
    )
    assert beside in answer.text
    assert patron.read(balance, ana).points == 100
    assert not [e for e in patron.read(ledger_entries, ana, 50, None) if e.kind.value == "adjust"]


def test_an_adjustment_with_valid_days_is_a_bonus_that_burns(
    log_in: Callable[[str], TestClient], patron: Patron, ana: int
) -> None:
    owner = log_in("owner")
    page = owner.get(f"/console/customers/{ana}").text
    assert 'name="valid_days"' in page
    form = {"points": "200", "reason": "autumn bonus", "valid_days": "14", "csrf": token(page)}
    answer = owner.post(f"/console/customers/{ana}/adjustments", data=form)
    assert answer.status_code == 303
    # the clock starts 2026-01-01 09:00: the 200 expire on 15 January, listed as expiring
    view = patron.read(balance, ana)
    assert (view.points, view.expiring[0]) == (300, (date(2026, 1, 15), 200))
    # days that are not a number are refused, nothing changes
    bad = {**form, "valid_days": "two weeks"}
    refused = owner.post(f"/console/customers/{ana}/adjustments", data=bad)
    assert refused.status_code == 422
    assert patron.read(balance, ana).points == 300
