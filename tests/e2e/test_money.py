"""The liability, breakage and budget over HTTP on both stores: the story of
tests/integration/points_story.py, its figures by hand."""

from __future__ import annotations

import csv
import io

from patron.bootstrap import Patron
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.integration.points_story import tell


def test_liability_as_json_and_as_the_accountants_csv(admin: Api, pos: Api, patron: Patron,
                                                      clock: Clock) -> None:  # fmt: skip
    tell(patron, clock)
    found = admin.get("/v1/liability?from=2026-01&to=2026-03&replicates=20")
    assert found.status_code == 200, found.text
    doc = found.json()
    assert [(r["closing"], r["closing_value"], r["balanced"]) for r in doc["data"]] == [
        (710, "7.10", "yes"), (290, "2.90", "yes"), (90, "0.90", "yes"),
    ]  # fmt: skip
    assert doc["point_value"] == "0.01" and doc["breakage"]["level"] == 0.95
    for path in ("/v1/liability.csv?from=2026-01&to=2026-03&replicates=0",
                 "/v1/liability?from=2026-01&to=2026-03&replicates=0&format=csv"):  # fmt: skip
        answer = admin.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert [(r["month"], r["expired"], r["pending"]) for r in rows] == [
            ("2026-01", "0", "300"), ("2026-02", "0", "50"), ("2026-03", "200", "0"),
        ]  # fmt: skip
    curve = admin.get("/v1/breakage?replicates=20")
    assert curve.status_code == 200 and curve.json()["data"][0]["age_months"] == 0
    bad = admin.get("/v1/liability?from=2026-05&to=2026-03")
    assert bad.status_code == 422 and "after" in bad.json()["detail"]
    # admin only
    assert pos.get("/v1/liability").status_code == 403
    assert pos.get("/v1/budget/report?from=2026-01&to=2026-01").status_code == 403


def test_budget_over_http(admin: Api, patron: Patron, clock: Clock) -> None:
    tell(patron, clock)
    plan = {"month": "2026-01", "category": "rewards", "amount": "5.00", "currency": "EUR"}
    put = admin.client.put("/v1/budget/lines", json=plan, headers=admin.headers())
    assert put.status_code == 200, put.text
    assert put.json()["set_by"].startswith("apikey:")
    spend = {"month": "2026-01", "category": "logistics", "amount": "30.00", "currency": "EUR",
             "note": "card readers"}  # fmt: skip
    headers = admin.headers("spend-1")
    first = admin.client.post("/v1/budget/actuals", json=spend, headers=headers)
    again = admin.client.post("/v1/budget/actuals", json=spend, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]  # the same key: written once
    listed = admin.get("/v1/budget/actuals?from=2026-01&to=2026-12").json()
    assert listed["count"] == 1 and listed["data"][0]["amount"] == "30.00"
    assert admin.get("/v1/budget/lines?from=2026-01&to=2026-01").json()["count"] == 1
    report = admin.get("/v1/budget/report?from=2026-01&to=2026-01").json()
    rows = {r["category"]: r for r in report["data"]}
    assert (rows["rewards"]["actual"], rows["rewards"]["variance"]) == ("4.00", "-1.00")
    assert rows["logistics"]["actual"] == "30.00"
    assert report["totals"][0]["planned"] == "5.00"
    # refused, nothing written
    wrong = admin.post("/v1/budget/actuals", {**spend, "category": "rewards"})
    assert wrong.status_code == 422 and "Patron computes" in wrong.json()["detail"]
    usd = admin.client.put("/v1/budget/lines", json={**plan, "currency": "USD"},
                           headers=admin.headers())  # fmt: skip
    assert usd.status_code == 422
    assert admin.get("/v1/budget/actuals?from=2026-01&to=2026-12").json()["count"] == 1
    lines = admin.get("/v1/budget/lines?from=2026-01&to=2026-01").json()["data"]
    assert [line["currency"] for line in lines] == ["EUR"]
