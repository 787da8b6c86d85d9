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
Outstanding at the end of the period before (26 December 00:00): Ana's 100 + 100 = 200.

The trends show the last 12 periods of 7 days, oldest first: the first from 10 October
2025 (2 January 00:00 less 84 days: 31 back to 2 December, 30 to 2 November, 23 more),
the last the current one; the ten before the two above hold nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from patron.analytics.held import Held
from patron.bootstrap import Patron
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.conftest import Clock
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
        "Points outstanding at the end": ("500", "200", "+150.0%"),
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


def _trend(page: str, group: str) -> dict[str, list[str]]:
    """The rows of a trend's table: each figure's 12 values as the page writes them."""
    table = re.search(rf'<table class="list" id="trend-{group}">(.*?)</table>', page, re.S)
    assert table is not None, group
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>((?:<td class="num">[^<]*</td>)+)</tr>',
                      table.group(1))  # fmt: skip
    return {name: re.findall(r'<td class="num">([^<]*)</td>', cells) for name, cells in rows}


def test_each_figure_has_its_trend_over_twelve_periods(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    ana = _member(patron, "ana", 20)
    buy(patron, ana, "o-1", ("A", None, 1, "100.00"), at=datetime(2025, 12, 20, 11, 0))
    buy(patron, ana, "o-2", ("A", None, 1, "50.00"), at=datetime(2025, 12, 27, 11, 0))
    bo = _member(patron, "bo", 28)
    buy(patron, bo, "o-3", ("A", None, 1, "30.00"), at=datetime(2025, 12, 28, 11, 0))
    buy(patron, bo, "o-4", ("A", None, 1, "20.00"), at=datetime(2025, 12, 30, 11, 0))
    _member(patron, "cleo", 1, 1, 2026)
    # and Dan, enrolled on 12 December, buys for 40.00 in the first minutes of the 19th:
    # the first day of the period before, not the last of the one before that
    dan = _member(patron, "dan", 12)
    buy(patron, dan, "o-5", ("A", None, 1, "40.00"), at=datetime(2025, 12, 19, 0, 5))

    page = log_in("analyst").get("/console?days=7").text

    heads = re.search(r'<table class="list" id="trend-members">.*?<thead>(.*?)</thead>', page, re.S)
    assert heads is not None
    days = re.findall(r'<th scope="col" class="num">([^<]+)</th>', heads.group(1))
    assert days[0] == "Oct 10, 2025" and days[-2:] == ["Dec 19, 2025", "Dec 26, 2025"]
    assert len(days) == 12
    # Dec 12-18: Dan enrols (welcome 100). Dec 19-25: Ana enrols and buys 100.00, Dan
    # buys 40.00 (2 customers, both new to buying; basket 70.00; issued 100 + 100 + 40).
    # This period as in the first test. Outstanding: 100, then 340, then 640.
    zeros = ["0"] * 9
    assert _trend(page, "members") == {
        "Members": [*zeros, "1", "2", "4"],
        "New members": [*zeros, "1", "1", "2"],
        "Customers who bought": [*zeros, "0", "2", "2"],
    }
    purchases = _trend(page, "purchases")
    assert purchases["Purchases"] == [*zeros, "0", "2", "3"]
    assert purchases["Revenue"] == ["€0.00"] * 10 + ["€140.00", "€100.00"]
    assert purchases["Average basket"] == ["€0.00"] * 10 + ["€70.00", "€33.33"]
    assert purchases["Purchases per customer"] == ["0.00"] * 10 + ["1.00", "1.50"]
    assert purchases["Repeat-purchase rate"] == ["0.0%"] * 11 + ["50.0%"]
    points = _trend(page, "points")
    assert points["Points issued"] == [*zeros, "100", "240", "300"]
    assert points["Points outstanding at the end"] == [*zeros, "100", "340", "640"]
    assert points["Redemption rate"] == ["—"] * 9 + ["0.0%", "0.0%", "0.0%"]
    # one small chart per group, each figure drawn and named (inline SVG, no script)
    charts = re.findall(r'<svg[^>]*role="img" aria-label="Trends: ([^"]+)"', page)
    assert charts == ["Members", "Purchases", "Points"]
    assert ">Points outstanding at the end</text>" in page


def test_figures_are_held_until_the_data_changes_and_stale_ones_say_so(
    log_in: Callable[[str], TestClient], patron: Patron, clock: Clock
) -> None:
    """The overview's figures are counted once per version of the data; after a sale,
    a page that cannot wait for the new count shows the held one, saying when it was
    counted (analytics/held.py). Here the new count may not start (spacing), so the page
    is the stale one whatever the machine's speed."""
    ana = _member(patron, "ana", 20)
    buy(patron, ana, "o-1", ("A", None, 1, "100.00"), at=datetime(2025, 12, 27, 11, 0))
    browser = log_in("analyst")
    app: Any = browser.app
    app.state.figures = Held(wait=0.0, spacing=1e9, clock=lambda: clock.now)

    def purchases() -> tuple[str, str]:
        page = browser.get("/console?days=7").text
        return {r[0]: r[1] for r in ROW.findall(page)}["Purchases"], page

    count, page = purchases()
    assert count == "1" and 'id="stale"' not in page
    clock.advance(minutes=5)
    buy(patron, ana, "o-2", ("A", None, 1, "50.00"), at=datetime(2025, 12, 30, 11, 0))
    count, page = purchases()
    assert count == "1"  # the held count, not yet the new one
    assert "These figures were counted at Jan 1, 2026, 9:00:00\u202fAM UTC." in page
    app.state.figures = Held(clock=lambda: clock.now)  # pages that always wait
    count, page = purchases()
    assert count == "2" and 'id="stale"' not in page
