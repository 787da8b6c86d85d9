"""The customer page's timeline (web/customer.py over services/timeline.py), on both
stores: purchases, refunds, redemptions, points entries and tier changes in one list,
newest first, each with its date, a plain kind, the amount and the points, a page at a
time; and the member's open lots with their expiry dates.

Ana's history under the example program (1 point per EUR, books x2, 100 welcome points,
points pending 14 days, lots expiring 24 months after they are earned, Silver from 500
EUR spent; a free coffee costs 150 points):

    2 Mar 09:00  enrols                         +100
    2 Mar 10:00  buys books for 40.00 (o-1)      +80 (2 x 40)
    3 Mar 09:00  returns them, "torn cover"      -80 (all of o-1's points, unspent)
   20 Mar 09:00  buys for 600.00 (o-2)          +600 (scored at Bronze, x1), then Silver
    5 Apr 09:00  redeems a free coffee          -150 (100 from the welcome lot, the
                                                      closest to expiry, 50 from o-2's)
    6 Apr 09:00  the owner adds 25, "broken mug"  +25

Left open: o-2's lot, 550 of 600 (earned 20 March, spendable from 3 April, expiring
20 March 2028), and the adjustment's 25.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.services.commands import Enroll, Redeem, Refund
from patron.services.enroll import enroll
from patron.services.redeem import redeem
from patron.services.refund import refund
from patron.web import customer
from tests.conftest import Clock
from tests.integration.helpers import buy
from tests.web.conftest import token

ROW = re.compile(
    r'<tr class="(\w+)"><td>([^<]*)</td><td>([^<]*)</td><td class="num">([^<]*)</td>'
    r'<td class="num">([^<]*)</td><td>\s*(.*?)\s*</td><td>([^<]*)</td></tr>',
    re.S,
)


def _timeline(page: str) -> list[tuple[str, ...]]:
    """Each row: kind, when, what, amount, points, details (tags dropped), by; the narrow
    space CLDR puts before AM/PM read as a space."""
    rows = ROW.findall(page.replace("\u202f", " "))
    return [(*r[:5], re.sub(r"<[^>]+>", "", r[5]), r[6]) for r in rows]


@pytest.fixture
def ana(patron: Patron, clock: Clock, log_in: Callable[[str], TestClient]) -> int:
    clock.now = datetime(2026, 3, 2, 9, 0)
    member = patron.run(enroll, Enroll("C-100", name="Ana Pop")).member.id
    clock.now = datetime(2026, 3, 2, 10, 0)
    first = buy(patron, member, "o-1", ("A", "books", 1, "40.00"))
    clock.now = datetime(2026, 3, 3, 9, 0)
    patron.run(refund, Refund(first.purchase_id, reason="torn cover"))
    clock.now = datetime(2026, 3, 20, 9, 0)
    buy(patron, member, "o-2", ("A", None, 1, "600.00"))
    clock.now = datetime(2026, 4, 5, 9, 0)
    patron.run(redeem, Redeem(member, reward_id="coffee"))
    clock.now = datetime(2026, 4, 6, 9, 0)
    owner = log_in("owner")
    page = owner.get(f"/console/customers/{member}").text
    form = {"points": "25", "reason": "broken mug", "csrf": token(page)}
    answer = owner.post(f"/console/customers/{member}/adjustments", data=form)
    assert answer.status_code == 303, answer.text
    assert "adjusted=" in answer.headers["location"], answer.headers["location"]
    return member


EXPECTED = [
    ("adjust", "Apr 6, 2026, 9:00:00 AM", "Adjustment", "", "+25", "broken mug",
     "user:owner@shop.ro"),
    ("redemption", "Apr 5, 2026, 9:00:00 AM", "Reward redeemed", "", "-150", "Free coffee", ""),
    ("purchase", "Mar 20, 2026, 9:00:00 AM", "Purchase", "€600.00", "+600", "order o-2", ""),
    ("tier", "Mar 20, 2026, 9:00:00 AM", "Tier changed", "", "", "from Bronze to Silver", ""),
    ("refund", "Mar 3, 2026, 9:00:00 AM", "Refund", "€40.00", "-80", "torn cover", ""),
    ("purchase", "Mar 2, 2026, 10:00:00 AM", "Purchase", "€40.00", "+80", "order o-1", ""),
    ("welcome", "Mar 2, 2026, 9:00:00 AM", "Welcome points", "", "+100", "", ""),
]  # fmt: skip


def test_the_timeline_lists_everything_newest_first(
    log_in: Callable[[str], TestClient], ana: int
) -> None:
    page = log_in("analyst").get(f"/console/customers/{ana}").text
    assert _timeline(page) == EXPECTED
    assert "Items 1–7, newest first." in page
    assert 'rel="next"' not in page and 'rel="prev"' not in page


def test_the_open_lots_show_their_expiry(log_in: Callable[[str], TestClient], ana: int) -> None:
    page = log_in("analyst").get(f"/console/customers/{ana}").text
    lots = re.search(r'<table class="list" id="lots">(.*?)</table>', page, re.S)
    assert lots is not None
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>"
                      r'<td class="num">([^<]*)</td></tr>', lots.group(1))  # fmt: skip
    assert rows[0] == ("Mar 20, 2026", "Apr 3, 2026", "Mar 20, 2028", "550")
    assert [r[3] for r in rows] == ["550", "25"]
    assert '<dd id="balance-points">575</dd>' in page


def test_the_timeline_comes_a_page_at_a_time(
    log_in: Callable[[str], TestClient], ana: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer, "SHOWN", 3)
    browser = log_in("analyst")
    first = browser.get(f"/console/customers/{ana}").text
    assert _timeline(first) == EXPECTED[:3]
    older = re.search(r'href="([^"]+)" rel="next"', first)
    assert older is not None and older.group(1) == f"/console/customers/{ana}?page=2#timeline"
    second = browser.get(f"/console/customers/{ana}?page=2").text
    assert _timeline(second) == EXPECTED[3:6] and "Items 4–6, newest first." in second
    assert 'rel="prev"' in second
    third = browser.get(f"/console/customers/{ana}?page=3").text
    assert _timeline(third) == EXPECTED[6:] and 'rel="next"' not in third
    assert browser.get(f"/console/customers/{ana}?page=0").status_code == 422


def test_a_backdated_purchase_takes_its_place_in_time(
    log_in: Callable[[str], TestClient], ana: int, patron: Patron
) -> None:
    # imported history is recorded after newer entries: the list goes by date, not by id
    buy(patron, ana, "o-0", ("A", None, 1, "10.00"), at=datetime(2026, 3, 1, 12, 0))
    page = log_in("analyst").get(f"/console/customers/{ana}").text
    rows = _timeline(page)
    # scored at her tier now, Silver: 10 x 1.25 = 12.5, rounded down to 12
    assert rows[-1][:5] == ("purchase", "Mar 1, 2026, 12:00:00 PM", "Purchase", "€10.00", "+12")
    assert rows[:-1] == EXPECTED
