"""A redemption through the portal, on SQLite and PostgreSQL: the confirmation form's
transaction id makes a second press of its button (one after the other, or two at once)
the same redemption, and a refusal (too few points, not for the tier, out of stock, a
form without its token) leaves the books as they were.

The shop and its hand-worked numbers: tests/support/portal.py; the pages' words:
tests/web/test_portal_pages.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from tests.conftest import Clock
from tests.support.portal import CSRF, TRANSACTION, form_value, logged_in, portal_app, portal_shop

pytestmark = pytest.mark.usefixtures("verified")


@pytest.fixture
def ana(patron: Patron, clock: Clock) -> int:
    return portal_shop(patron, clock)


@pytest.fixture
def app(patron: Patron, ana: int) -> FastAPI:
    return portal_app(patron)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with logged_in(app, "ana@shop.example") as client:
        yield client


def books(patron: Patron, member_id: int) -> dict[str, Any]:
    """What a redemption changes: the balance, the ledger, the lots, the redemptions and
    the stock."""
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(member_id)
        assert found is not None
        return {
            "balance": found.balance,
            "ledger": [(e.kind, e.points) for e in uow.personal.ledger(member_id)],
            "lots": [(lot.id, lot.remaining) for lot in uow.personal.lots(member_id)],
            "redemptions": [
                (r.id, r.reward_id, r.points) for r in uow.personal.redemptions(member_id)
            ],
            "stock": {r.id: r.stock for r in uow.rewards.active()},
        }


def _form(browser: TestClient, reward: str) -> dict[str, str]:
    html = browser.get(f"/portal/rewards/{reward}").text
    return {"csrf": form_value(CSRF, html), "transaction_id": form_value(TRANSACTION, html)}


def test_the_same_form_sent_twice_redeems_once(
    browser: TestClient, patron: Patron, ana: int
) -> None:
    # given the confirmation of the one gift wrapping left (80 points of Ana's 300)
    form = _form(browser, "wrap")
    # when the form is sent twice
    answers = [browser.post("/portal/rewards/wrap", data=form) for _ in range(2)]
    # then both lead to the one voucher; 80 points and one wrapping are spent, once
    assert [(a.status_code, a.headers["location"]) for a in answers] == [
        (303, "/portal/redemptions/1"),
        (303, "/portal/redemptions/1"),
    ]
    after = books(patron, ana)
    assert after["balance"] == 100 + 200 + 120 - 80
    assert after["redemptions"] == [(1, "wrap", 80)]
    assert after["ledger"].count(("redeem", -80)) == 1
    assert after["stock"]["wrap"] == 0


def test_two_presses_at_once_redeem_once(
    app: FastAPI, browser: TestClient, patron: Patron, ana: int
) -> None:
    # given the coffee's confirmation open in two tabs of one browser (the same form)
    form = _form(browser, "coffee")
    other = TestClient(app, follow_redirects=False)
    other.cookies.update(browser.cookies)
    start = threading.Barrier(2)
    answers: list[str] = []

    def press(client: TestClient) -> None:
        start.wait()
        answers.append(client.post("/portal/rewards/coffee", data=form).headers["location"])

    # when both buttons are pressed at the same moment
    with other:
        threads = [threading.Thread(target=press, args=(c,)) for c in (browser, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # then one redemption of 150 points, which both answers show
    assert answers == ["/portal/redemptions/1", "/portal/redemptions/1"]
    after = books(patron, ana)
    assert after["redemptions"] == [(1, "coffee", 150)]
    assert after["balance"] == 300 + 120 - 150


@pytest.mark.parametrize(
    ("reward", "spoil", "status"),
    [
        ("ten-off", None, 409),  # 1000 points of 300
        ("vip", None, 409),  # Silver's only
        ("wrap", "sold out", 409),
        ("no-such", None, 404),
        ("x" * 300, None, 404),  # longer than the column of reward ids
        ("coffee", "no token", 403),
        ("coffee", "forged id", 403),
    ],
)
def test_a_refused_redemption_changes_nothing(
    browser: TestClient, patron: Patron, ana: int, reward: str, spoil: str | None, status: int
) -> None:
    # given a form made the way the confirmation makes one (the page itself refuses these
    # rewards, so a form for them is one made by hand: a stale page, or a tampered one)
    made = _form(browser, "coffee")
    if spoil == "sold out":  # the last wrapping redeemed in another tab
        assert browser.post("/portal/rewards/wrap", data=_form(browser, "wrap")).status_code == 303
    before = books(patron, ana)
    form = dict(made)
    if spoil == "no token":
        del form["csrf"]
    if spoil == "forged id":
        form["transaction_id"] = "portal-" + "x" * 21  # one short of the made shape
    # when it is sent
    answer = browser.post(f"/portal/rewards/{reward}", data=form)
    # then it is refused, saying so, and the books are as they were
    assert answer.status_code == status
    assert "Nothing was changed: your points are as they were." in answer.text
    assert books(patron, ana) == before
