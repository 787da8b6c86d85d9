"""The REST contract: paths, bodies, auth, idempotency and problem+json errors."""

from __future__ import annotations

import pytest

from patron.bootstrap import Patron
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.integration.helpers import assert_verified

PURCHASE = {
    "order_id": "o-1",
    "occurred_at": "2026-01-01T08:00:00Z",  # an hour before the tests' clock
    "currency": "EUR",
    "lines": [{"sku": "A1", "category": "books", "quantity": 2, "unit_price": "10.00"}],
}


def enroll(api: Api, external_id: str = "c-1") -> dict:  # type: ignore[type-arg]
    response = api.post(
        "/v1/members", {"external_id": external_id, "email": "ana@example.com", "name": "Ana"}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_documented_flow_works_end_to_end(
    pos: Api, admin: Api, patron: Patron, clock: Clock
) -> None:
    member = enroll(pos)
    assert member["external_id"] == "c-1" and member["tier"] == "Bronze"
    assert pos.get(f"/v1/members/{member['id']}").json()["id"] == member["id"]
    assert pos.get("/v1/members/c-1").json()["id"] == member["id"]

    bought = pos.post("/v1/purchases", {**PURCHASE, "external_id": "c-1"})
    assert bought.status_code == 201, bought.text
    body = bought.json()
    assert body["points_earned"] == 40
    assert {b["rule"] for b in body["breakdown"]} == {"base", "category books x2"}

    clock.advance(days=20)
    balance = pos.get(f"/v1/members/{member['id']}/balance").json()
    assert (balance["points"], balance["pending"], balance["tier"]) == (140, 0, "Bronze")
    assert balance["next_tier"] == "Silver"

    rewards = pos.get("/v1/rewards").json()
    assert rewards["count"] == len(rewards["data"]) >= 5
    quote = pos.post("/v1/redemptions/quote", {"member_id": member["id"], "points": 100}, idem=None)
    assert quote.json()["value"] == "1.00"
    redeemed = pos.post("/v1/redemptions", {"member_id": member["id"], "points": 100})
    assert redeemed.status_code == 201 and redeemed.json()["balance"] == 40
    cancel = pos.post(f"/v1/redemptions/{redeemed.json()['id']}/cancel", {})
    assert cancel.status_code == 201 and cancel.json()["status"] == "cancelled"

    refund = pos.post(
        f"/v1/purchases/{body['id']}/refunds", {"lines": [{"line_no": 1, "quantity": 1}]}
    )
    assert refund.status_code == 201 and refund.json()["points_taken_back"] == 20

    adjust = admin.post(
        f"/v1/members/{member['id']}/adjustments", {"points": 500, "reason": "goodwill"}
    )
    assert adjust.status_code == 201 and adjust.json()["balance"] == 620
    too_much = admin.post(
        f"/v1/members/{member['id']}/adjustments", {"points": -621, "reason": "oops"}
    )
    assert too_much.status_code == 409

    ledger = pos.get(f"/v1/members/{member['id']}/ledger").json()
    assert [e["kind"] for e in ledger["data"]][:2] == ["adjust", "refund"]
    assert_verified(patron)


def test_auth_401_without_a_key_and_403_outside_scope(pos: Api, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/v1/rewards").status_code == 401
    assert pos.get("/v1/rewards", key="ptr_wrong").status_code == 401
    member = enroll(pos)
    forbidden = pos.post(f"/v1/members/{member['id']}/adjustments", {"points": 5, "reason": "x"})
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"


def test_idempotency_replays_refuses_other_bodies_and_requires_the_header(
    pos: Api, patron: Patron
) -> None:
    enroll(pos)
    body = {**PURCHASE, "external_id": "c-1"}
    first = pos.post("/v1/purchases", body, idem="key-1")
    replay = pos.post("/v1/purchases", body, idem="key-1")
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert replay.headers.get("Idempotent-Replayed") == "true"
    other = pos.post("/v1/purchases", {**body, "order_id": "o-2"}, idem="key-1")
    assert other.status_code == 422
    missing = pos.post("/v1/purchases", {**body, "order_id": "o-3"}, idem=None)
    assert missing.status_code == 400
    with patron.uow(readonly=True) as uow:
        assert uow.members.by_external_id("c-1").purchase_count == 1  # type: ignore[union-attr]


def test_a_purchase_dated_ahead_of_the_clock_is_refused(pos: Api, patron: Patron) -> None:
    """A till whose clock is a day or more fast (or a mistyped year) would leave points
    pending until then and shift every analytics figure taken as of the last purchase."""
    enroll(pos)
    soon = pos.post(
        "/v1/purchases", {**PURCHASE, "external_id": "c-1", "occurred_at": "2026-01-02T08:00:00Z"}
    )
    assert soon.status_code == 201, soon.text  # within a day: a till's clock running fast
    later = {
        **PURCHASE,
        "external_id": "c-1",
        "order_id": "o-2",
        "occurred_at": "2027-01-01T08:00:00Z",
    }
    refused = pos.post("/v1/purchases", later)
    assert refused.status_code == 422
    assert "ahead of the server's clock" in refused.json()["detail"]
    with patron.uow(readonly=True) as uow:
        assert uow.members.by_external_id("c-1").purchase_count == 1  # type: ignore[union-attr]


def test_a_refused_write_frees_its_key(pos: Api) -> None:
    member = enroll(pos)
    short = pos.post("/v1/redemptions", {"member_id": member["id"], "points": 5000}, idem="k")
    assert short.status_code == 409
    assert short.json()["code"] == "insufficient_points"
    again = pos.post("/v1/redemptions", {"member_id": member["id"], "points": 5000}, idem="k")
    assert again.status_code == 409  # evaluated again, not a stored answer


def test_keys_are_scoped_to_the_api_key_that_sent_them(pos: Api, admin: Api) -> None:
    enroll(pos, "c-1")
    a = pos.post("/v1/members", {"external_id": "c-2"}, idem="same")
    b = admin.post("/v1/members", {"external_id": "c-3"}, idem="same")
    assert (a.status_code, b.status_code) == (201, 201)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/v1/members", {"external_id": ""}, 422),
        ("/v1/members", {"external_id": "a\u0000b"}, 422),
        ("/v1/purchases", {**PURCHASE, "external_id": "nobody"}, 404),
        ("/v1/purchases", {**PURCHASE, "member_id": 1, "external_id": "c-1"}, 422),
        ("/v1/purchases", {**PURCHASE, "external_id": "c-1", "currency": "USD"}, 422),
        ("/v1/purchases", {**PURCHASE, "external_id": "c-1", "lines": []}, 422),
        ("/v1/purchases/999/refunds", {}, 404),
        ("/v1/redemptions", {"member_id": 1}, 422),
        ("/v1/redemptions/999/cancel", {}, 404),
    ],
)
def test_bad_input_gets_a_clear_problem(pos: Api, path: str, body: dict, status: int) -> None:  # type: ignore[type-arg]
    enroll(pos)
    response = pos.post(path, body)
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == status and problem["detail"]


def test_unknown_member_is_404(pos: Api) -> None:
    assert pos.get("/v1/members/12345").status_code == 404
    assert pos.get("/v1/members/nobody/balance").status_code == 404


def test_analytics_for_admins(pos: Api, admin: Api, clock: Clock) -> None:
    clock.now = clock.now.replace(year=2026, month=3, day=1)
    for i, (who, day, amount) in enumerate(
        [
            ("c-1", "2026-01-05", "100.00"),
            ("c-1", "2026-02-05", "50.00"),
            ("c-2", "2026-01-20", "20.00"),
            ("c-3", "2026-02-20", "5.00"),
        ]
    ):
        if i != 1:
            enroll(pos, who)
        response = pos.post(
            "/v1/purchases",
            {
                "external_id": who,
                "order_id": f"o-{i}",
                "occurred_at": f"{day}T10:00:00Z",
                "currency": "EUR",
                "lines": [{"sku": "A", "quantity": 1, "unit_price": amount}],
            },
        )
        assert response.status_code == 201, response.text
    assert pos.get("/v1/analytics/rfm").status_code == 403
    # as of the last purchase (Feb 20): days since the last purchase c-1 15, c-2 31, c-3 0
    # -> R 3, 1, 5 (percent ranks 1/2, 0, 1 on 5 bins); purchases 2, 1, 1 -> F 5, 1, 1
    # (c-2 and c-3 tie at the lowest rank); spend 150, 20, 5 -> M 5, 3, 1.
    # c-1 R3 F5: loyal (R >= 3, F >= 3, not R >= 4); c-2 R1 F1: lost; c-3 R5 F1: new
    rfm = admin.get("/v1/analytics/rfm").json()
    assert rfm["count"] == 3
    assert {r["customer_id"]: (r["rfm"], r["segment"]) for r in rfm["data"]} == {
        "c-1": ("355", "loyal"),
        "c-2": ("113", "lost"),
        "c-3": ("511", "new"),
    }
    segments = {s["segment"]: (s["customers"], s["revenue_share"]) for s in rfm["segments"]}
    assert segments == {
        "loyal": (1, pytest.approx(150 / 175)),
        "lost": (1, pytest.approx(20 / 175)),
        "new": (1, pytest.approx(5 / 175)),
    }
    summary = admin.get("/v1/analytics/summary?limit=1&offset=0").json()
    assert summary["count"] == 3 and summary["data"][0]["customer_id"] == "c-1"
    first = summary["data"][0]
    # money as decimal strings, days as days (analytics/columns.py)
    assert first["total_spend"] == "150.00" and first["mean_spend"] == "75.00"
    assert (first["first_purchase"], first["last_purchase"]) == ("2026-01-05", "2026-02-05")
    # in weeks, to the last purchase of the store (Feb 20): recency 31 days, T 46 days
    assert (first["frequency"], first["recency"], first["T"]) == (
        1,
        pytest.approx(31 / 7),
        pytest.approx(46 / 7),
    )
    pareto = admin.get("/v1/analytics/pareto").json()
    # the top 20% of 3 customers is 0.6 of the best one, who brings 150 of 175
    assert pareto["top_20_percent_share"] == pytest.approx(0.6 * 150 / 175)
    # customer k of 3 falls in step ceil(10 k / 3) = 4, 7, 10; cumulative 150, 170, 175
    assert [(r["step"], r["customer_share"], r["revenue_share"]) for r in pareto["data"]] == [
        (4, pytest.approx(1 / 3), pytest.approx(150 / 175)),
        (7, pytest.approx(2 / 3), pytest.approx(170 / 175)),
        (10, 1.0, 1.0),
    ]
    # February: c-1 50 and c-3 5 (new); the 28 days before (Jan 4 - Jan 31): c-1, c-2,
    # and c-1 came back: retention 1/2
    kpis = admin.get("/v1/analytics/kpis?start=2026-02-01&end=2026-03-01").json()
    assert kpis == {
        "start": "2026-02-01",
        "end": "2026-03-01",
        "customers": 2,
        "new_customers": 1,
        "purchases": 2,
        "revenue": "55.00",
        "purchase_frequency": 1.0,
        "average_basket": "27.50",
        "repurchase_rate": 0.0,
        "retention_rate": 0.5,
        "churn_rate": 0.5,
        "products_per_customer": 1.0,  # c-1 and c-3 each bought one product, sku A
    }
    assert admin.get("/v1/analytics/kpis").status_code == 422
    # A/B/C on volume (the default): ranks c-1 1, c-2 0.5, c-3 0; positions 1/3, 2/3, 1:
    # none within the top 20% (A), c-1 within 50% (B), the rest C
    abc = admin.get("/v1/analytics/abc").json()
    assert [(r["customer_id"], r["score"], r["abc"]) for r in abc["data"]] == [
        ("c-1", 1.0, "B"),
        ("c-2", 0.5, "C"),
        ("c-3", 0.0, "C"),
    ]
    # January cohort c-1, c-2 (c-1 back in February), February cohort c-3; a cohort is
    # a month, written as one
    cohorts = admin.get("/v1/analytics/cohorts").json()
    assert [
        (r["cohort_month"], r["months_since"], r["customers"], r["size"], r["retention"])
        for r in cohorts["data"]
    ] == [
        ("2026-01", 0, 2, 2, 1.0),
        ("2026-01", 1, 1, 2, 0.5),
        ("2026-02", 0, 1, 1, 1.0),
    ]
    # as of the clock (Mar 1) the days since are 24, 40, 9: the same scores
    insights = admin.get("/v1/members/c-1/insights").json()
    assert (insights["segment"], insights["rfm"]) == ("loyal", "355")
    assert (insights["purchases"], insights["total_spend"]) == (2, "150.00")
