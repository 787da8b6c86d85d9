"""The console's simulation page (web/simulate.py), on both stores: the six purchases of
tests/integration/test_simulate_cli.py recorded, the "Gold at 1000" program pasted and
replayed against "Gold at 1500" in force; the figures are those computed by hand there.
Nothing is written; a bad program is refused with its error, any role may simulate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.services.commands import Enroll, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.services.enroll import enroll
from patron.services.program import current_program
from tests.conftest import Clock, use_program
from tests.e2e.test_simulations import OTHER
from tests.integration.test_simulate_cli import HISTORY, PROGRAM
from tests.web.conftest import token


def seed(patron: Patron, clock: Clock) -> None:
    use_program(patron, PROGRAM)
    ids: dict[str, int] = {}
    for row in HISTORY.splitlines()[1:]:
        who, order, at, amount = row.split(",")
        moment = datetime.fromisoformat(at)
        clock.now = moment
        if who not in ids:
            ids[who] = patron.run(enroll, Enroll(who, enrolled_at=moment)).member.id
        line = (Line("SKU", None, 1, Decimal(amount)),)
        patron.run(
            record_purchase, RecordPurchase(MemberRef(id=ids[who]), order, moment, "EUR", line)
        )
    clock.now = datetime(2026, 3, 1)


def test_a_pasted_program_against_the_one_in_force(
    log_in: Callable[[str], TestClient], patron: Patron, clock: Clock
) -> None:
    # given
    seed(patron, clock)
    browser = log_in("analyst")  # reads only, and may simulate: nothing is written
    form = {"csrf": token(browser.get("/console/simulate").text), "text": OTHER,
            "against_current": "1", "redeem_rate": "0.5", "margin": "0.4"}  # fmt: skip
    # when
    page = browser.post("/console/simulate", data=form)
    # then
    assert page.status_code == 200, page.text
    assert '<figure class="chart" id="chart"><svg' in page.text
    assert "Points issued: Gold at 1000" in page.text and "Gold at 1500" in page.text
    # January 2,425 both; February 1,050 (pasted) and 925 (in force)
    assert '<td class="num">1,050</td>' in page.text and '<td class="num">925</td>' in page.text
    assert "€11.72" in page.text and "€11.40" in page.text
    assert patron.read(current_program)[0] == 2  # the pasted program was not loaded


def test_a_bad_program_is_refused_with_its_error(
    log_in: Callable[[str], TestClient], patron: Patron, clock: Clock
) -> None:
    seed(patron, clock)
    browser = log_in("marketer")
    form = {"csrf": token(browser.get("/console/simulate").text), "text": "name = 1"}
    page = browser.post("/console/simulate", data=form)
    assert page.status_code == 422
    assert "Not simulated:" in page.text and "currency" in page.text
    without_token = browser.post("/console/simulate", data={"text": OTHER})
    assert without_token.status_code == 403
