"""The console's liability and budget pages (web/money.py) on both stores: the story of
tests/integration/points_story.py, its figures by hand, as tables beside their charts;
owners and marketers set the budget, analysts read."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from tests.conftest import Clock
from tests.integration.points_story import tell
from tests.web.conftest import token

JAN = date(2026, 1, 1)
ROW = re.compile(r'<tr><th scope="row">(\d{4}-\d{2})</th>(.*?)</tr>', re.S)


def _cells(page: str, table: str) -> list[tuple[str, list[str]]]:
    found = re.search(rf'<table class="list" id="{table}">(.*?)</table>', page, re.S)
    assert found is not None, table
    return [(m, re.findall(r">([^<]*)</td>", cells)) for m, cells in ROW.findall(found.group(1))]


def test_the_liability_page_shows_the_roll_forward_and_the_breakage_curve(
    log_in: Callable[[str], TestClient], patron: Patron, clock: Clock
) -> None:
    tell(patron, clock)
    page = log_in("analyst").get("/console/liability?first=2026-01&last=2026-03")
    assert page.status_code == 200, page.text
    rows = _cells(page.text, "rollforward")
    assert [(m, c[0], c[1], c[2], c[4], c[8], c[9]) for m, c in rows] == [
        ("2026-01", "0", "850", "250", "0", "710", "300"),
        ("2026-02", "710", "50", "170", "0", "290", "50"),
        ("2026-03", "290", "0", "0", "200", "90", "0"),
    ]
    assert "€7.10" in page.text  # January's closing at 0.01 a point
    assert re.search(r'<figure class="chart" id="chart" tabindex="0"><svg', page.text)
    assert re.search(r'<figure class="chart" id="curve" tabindex="0"><svg', page.text)
    assert 'id="curve-table"' in page.text and "<script" not in page.text
    csv_text = log_in("owner").get("/console/liability.csv?first=2026-01&last=2026-03").text
    assert csv_text.splitlines()[1].startswith("2026-01,0,600,50,200,0,40,100,150,100,0,0,30,0")


def test_the_budget_page_plans_and_records_for_an_owner_and_reads_for_an_analyst(
    log_in: Callable[[str], TestClient], patron: Patron, clock: Clock
) -> None:
    tell(patron, clock)
    owner = log_in("owner")
    page = owner.get("/console/budget?first=2026-01&last=2026-02").text
    form = {"month": "2026-01", "category": "rewards", "amount": "5.00", "csrf": token(page)}
    assert owner.post("/console/budget/lines", data=form).status_code == 303
    spend = {**form, "category": "logistics", "amount": "30.00", "note": "readers"}
    assert owner.post("/console/budget/actuals", data=spend).status_code == 303
    refused = owner.post("/console/budget/actuals", data={**spend, "amount": "-3"})
    assert refused.status_code == 422 and "Not saved" in refused.text
    page = owner.get("/console/budget?first=2026-01&last=2026-01").text
    rows = {(m, c[0]): c[1:] for m, c in _cells(page, "budget")}
    assert rows["2026-01", "Rewards"] == ["€5.00", "€4.00", "-€1.00", "-20.0%"]
    assert rows["2026-01", "Logistics (cards, readers, database)"] == ["", "€30.00", "€30.00", ""]
    assert re.search(r'<figure class="chart" id="chart" tabindex="0"><svg', page)
    analyst = log_in("analyst")
    seen = analyst.get("/console/budget?first=2026-01&last=2026-01").text
    assert "/console/budget/lines" not in seen  # no form
    tried = analyst.post("/console/budget/lines", data={**form, "csrf": token(seen)})
    assert tried.status_code == 403
    with patron.uow(readonly=True) as uow:
        assert len(uow.budget.spend(JAN, JAN)) == 1
        assert [line.amount for line in uow.budget.plans(JAN, JAN)] == [Decimal("5.00")]
