"""The console's overview (web/overview.py): the period's figures beside the period
before, on both stores, against numbers worked out by hand.

The clock stands at 2026-01-01 09:00, so "the last 7 days" run from 26 December 00:00 to
1 January included, and the period before from 19 to 25 December. The example program
gives 100 welcome points and 1 point per EUR (Bronze, no category here).

- Ana enrols on 20 December and buys for 100.00 that day; on 27 December for 50.00.
- Bo enrols on 28 December and buys for 30.00 on the 28th and 20.00 on the 30th.
- Cleo enrols on 1 January and buys nothing.

Period before: 1 member (new: 1), 1 customer, 1 purchase, 100.00 revenue, basket 100.00,
1.00 purchase per customer, 0% repeat; points issued 100 + 100 = 200.
This period: 3 members (new: 2), 2 customers, 3 purchases, 100.00 revenue, basket
33.33, 1.50 purchases per customer, 50% repeat (Bo); points issued 100 + 100 + 50 + 30 +
20 = 300. Points held now: Ana 250, Bo 150, Cleo 100 = 500. All three are Bronze.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.integration.helpers import buy

ROW = re.compile(
    r'<tr><th scope="row">([^<]+)</th><td class="num">([^<]*)</td>'
    r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td></tr>'
)


def _member(patron: Patron, external_id: str, day: int, month: int = 12, year: int = 2025) -> int:
    at = datetime(year, month, day, 10, 0)
    return patron.run(enroll, Enroll(external_id, enrolled_at=at)).member.id


def test_the_last_seven_days_against_the_seven_before(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    ana = _member(patron, "ana", 20)
    buy(patron, ana, "o-1", ("A", None, 1, "100.00"), at=datetime(2025, 12, 20, 11, 0))
    buy(patron, ana, "o-2", ("A", None, 1, "50.00"), at=datetime(2025, 12, 27, 11, 0))
    bo = _member(patron, "bo", 28)
    buy(patron, bo, "o-3", ("A", None, 1, "30.00"), at=datetime(2025, 12, 28, 11, 0))
    buy(patron, bo, "o-4", ("A", None, 1, "20.00"), at=datetime(2025, 12, 30, 11, 0))
    _member(patron, "cleo", 1, 1, 2026)

    page = log_in("analyst").get("/console?days=7").text

    assert "Dec 26, 2025 to Jan 1, 2026, as of Jan 1, 2026 (UTC)" in page
    assert {r[0]: r[1:] for r in ROW.findall(page)} == {
        "Members": ("3", "1", "+200.0%"),
        "New members": ("2", "1", "+100.0%"),
        "Customers who bought": ("2", "1", "+100.0%"),
        "Purchases": ("3", "1", "+200.0%"),
        "Revenue": ("€100.00", "€100.00", "0.0%"),
        "Average basket": ("€33.33", "€100.00", "-66.7%"),
        "Purchases per customer": ("1.50", "1.00", "+50.0%"),
        "Repeat-purchase rate": ("50.0%", "0.0%", "—"),  # no change from nothing
        "Points issued": ("300", "200", "+50.0%"),
        "Points redeemed": ("0", "0", "—"),
        "Points expired": ("0", "0", "—"),
        "Redemption rate": ("0.0%", "0.0%", "—"),
    }
    assert '<dd id="held">500</dd>' in page
    tiers = re.findall(r'<tr><th scope="row">(\w+)</th><td class="num">(\d+)</td>'
                       r'<td class="num">([^<]+)</td></tr>', page)  # fmt: skip
    assert tiers == [("Bronze", "3", "100.0%"), ("Silver", "0", "0.0%"), ("Gold", "0", "0.0%")]


def test_a_store_without_purchases_shows_zeros_not_an_error(
    log_in: Callable[[str], TestClient],
) -> None:
    # an empty period's revenue sums to nothing, which the engine hands over as NaN:
    # analytics/kpis.py reads it as 0
    page = log_in("analyst").get("/console").text
    rows = {r[0]: r[1:] for r in ROW.findall(page)}
    assert rows["Revenue"] == ("€0.00", "€0.00", "—")
    assert rows["Average basket"] == ("€0.00", "€0.00", "—")
