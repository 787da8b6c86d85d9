"""The analytics API writes money as the rest of the API does: decimal strings to the cent
(analytics/columns.py), never a binary float's digits. On SQLite and PostgreSQL.

One customer, `big`, buys 0.10, 0.20 and 400969.72: 400970.02 in all, which a sum in
binary floating point gives as 400970.01999999996 (Python's order; an engine's may err
another way). A second customer, `one`, buys 1.02 later; the whole store's revenue is
400971.04. Every money figure below is that, or that over a count.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Clock
from tests.e2e.conftest import Api

PURCHASES = (
    ("big", "b-1", "2026-01-02", "0.10"),
    ("big", "b-2", "2026-01-03", "0.20"),
    ("big", "b-3", "2026-01-04", "400969.72"),
    ("one", "o-1", "2026-01-05", "1.02"),
)


def seed(pos: Api, clock: Clock) -> None:
    clock.now = clock.now.replace(year=2026, month=2, day=1)
    for external_id in ("big", "one"):
        created = pos.post("/v1/members", {"external_id": external_id})
        assert created.status_code == 201, created.text
    for who, order, day, amount in PURCHASES:
        body = {"external_id": who, "order_id": order, "occurred_at": f"{day}T10:00:00Z",
                "currency": "EUR", "lines": [{"sku": "A", "unit_price": amount}]}  # fmt: skip
        assert pos.post("/v1/purchases", body).status_code == 201


def rows(answer: Any) -> dict[str, dict[str, Any]]:
    return {r["customer_id"]: r for r in answer["data"]}


def test_money_of_the_analytics_is_decimal_text(pos: Api, admin: Api, clock: Clock) -> None:
    seed(pos, clock)
    summary = rows(admin.get("/v1/analytics/summary").json())
    # big: 3 purchases on 3 days; mean 400970.02 / 3 = 133656.673..., repeat days 0.20
    # and 400969.72 -> monetary value 400969.92 / 2 = 200484.96
    assert summary["big"]["total_spend"] == "400970.02"
    assert summary["big"]["mean_spend"] == "133656.67"
    assert summary["big"]["monetary_value"] == "200484.96"
    assert summary["big"]["margin"] is None  # no cost known
    assert summary["big"]["first_purchase"] == "2026-01-02"
    rfm = admin.get("/v1/analytics/rfm").json()
    assert rows(rfm)["big"]["total_spend"] == "400970.02"
    # big and one fall in different segments: big's revenue is its own
    revenues = sorted(s["revenue"] for s in rfm["segments"])
    assert revenues == ["1.02", "400970.02"]
    # January: 2 customers, 4 purchases, 400971.04; basket 400971.04 / 4 = 100242.76
    kpis = admin.get("/v1/analytics/kpis?start=2026-01-01&end=2026-02-01").json()
    assert (kpis["revenue"], kpis["average_basket"]) == ("400971.04", "100242.76")
    assert kpis["purchase_frequency"] == 2.0 and kpis["repurchase_rate"] == 0.5
    # the A/B/C criteria in money: volume and growth (no earlier spend: growth = volume)
    abc = rows(admin.get("/v1/analytics/abc").json())
    assert (abc["big"]["volume"], abc["big"]["growth"]) == ("400970.02", "400970.02")
    # the member's insights: total spend as text; CLV, where a model can be fitted, too
    insights = admin.get("/v1/members/big/insights").json()
    assert insights["total_spend"] == "400970.02"
    assert insights["clv"] is None or isinstance(insights["clv"], str)
    assert insights["as_of"] == "2026-02-01"


def test_economics_money_is_decimal_text(pos: Api, admin: Api, clock: Clock) -> None:
    seed(pos, clock)
    spend = {"month": "2026-02", "channel": "web", "amount": "1000.00", "currency": "EUR"}
    assert admin.post("/v1/acquisition-spend", spend).status_code == 201
    # both members enrolled in February (the clock) with no channel; value = revenue
    # (no cost known) = 400971.04 / 2 = 200485.52; the web spend has no members
    answer = admin.get("/v1/analytics/economics?by=both").json()
    assert answer["basis"] == "revenue"
    assert answer["data"] == [
        {"month": "2026-02", "channel": "web", "spend": "1000.00", "new_members": 0,
         "cac": None, "value_per_member": None, "clv_to_cac": None, "payback_months": None},
        {"month": "2026-02", "channel": None, "spend": "0.00", "new_members": 2,
         "cac": None, "value_per_member": "200485.52", "clv_to_cac": None,
         "payback_months": None},
    ]  # fmt: skip
