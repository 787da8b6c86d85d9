"""Customer economics over HTTP: spend in, CAC / CLV/CAC / payback out, on both stores.

The scenario and its hand-computed figures are those of tests/integration/test_economics.py;
here the members, their acquisition channels and the purchases come in through the API.
"""

from __future__ import annotations

import pytest

from patron.bootstrap import Patron
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.integration.test_economics import MEMBERS, PURCHASES, SPEND, assert_report


def seed_over_http(admin: Api, clock: Clock) -> None:
    clock.now = clock.now.replace(year=2026, month=4, day=1)
    for external_id, channel, at in MEMBERS:
        body = {"external_id": external_id, "enrolled_at": at.isoformat() + "Z"}
        if channel:
            body["acquisition_channel"] = channel
        created = admin.post("/v1/members", body)
        assert created.status_code == 201, created.text
        assert created.json()["acquisition_channel"] == channel
    for who, order, at, price, cost in PURCHASES:
        line = {"sku": "SKU", "category": "cat", "unit_price": price, "unit_cost": cost}
        body = {"external_id": who, "order_id": order, "occurred_at": at.isoformat() + "Z",
                "currency": "EUR", "lines": [line]}  # fmt: skip
        assert admin.post("/v1/purchases", body).status_code == 201


def test_spend_and_economics_over_http(admin: Api, pos: Api, clock: Clock) -> None:
    seed_over_http(admin, clock)
    for month, channel, amount in SPEND:
        body = {"month": month, "channel": channel, "amount": amount, "currency": "EUR"}
        created = admin.post("/v1/acquisition-spend", body)
        assert created.status_code == 201, created.text
        assert created.json()["amount"] == amount
        assert created.json()["recorded_by"].startswith("apikey:")
    listed = admin.get("/v1/acquisition-spend").json()
    assert listed["count"] == 4
    assert [(r["month"], r["channel"], r["amount"]) for r in listed["data"]] == [
        ("2026-01", "store", "50.00"),
        ("2026-01", "web", "120.00"),
        ("2026-02", "web", "60.00"),
        ("2026-02", "web", "30.00"),
    ]
    for by in ("both", "cohort", "channel"):
        answer = admin.get(f"/v1/analytics/economics?by={by}")
        assert answer.status_code == 200, answer.text
        assert_report(answer.json(), by)
    assert admin.get("/v1/analytics/economics").json()["by"] == "both"
    # admin only
    assert pos.get("/v1/analytics/economics").status_code == 403
    assert pos.post("/v1/acquisition-spend", {}).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-1"}, "body.month"),
        ({"amount": "-1.00"}, "body.amount"),
        ({"amount": "1.001"}, "body.amount"),
        ({"currency": "USD"}, "currency"),
        ({"channel": ""}, "body.channel"),
        ({"amount": "100000000000.00"}, "body.amount"),  # over 99,999,999,999.99
    ],
)
def test_bad_spend_is_a_422_naming_the_field_and_changes_nothing(
    admin: Api, patron: Patron, change: dict[str, str], field: str
) -> None:
    body = {"month": "2026-01", "channel": "web", "amount": "10.00", "currency": "EUR", **change}
    answer = admin.post("/v1/acquisition-spend", body)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"].startswith(f"{field}:"), answer.json()
    assert admin.get("/v1/acquisition-spend").json() == {"data": [], "count": 0, "next": None}


def test_an_unknown_grouping_is_a_422(admin: Api) -> None:
    answer = admin.get("/v1/analytics/economics?by=week")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "query.by"
