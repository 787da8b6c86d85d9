"""Referrals through the API (api/routes/referrals.py; docs/referrals.md), both stores:
a friend enrolled with a code and a phone, refused as a look-alike with its own problem
code, paid on the qualifying purchase (sent with a payment fingerprint); the funnel, the
leaders and a member's friends for admin keys. Every answer must be one the OpenAPI
document announces (tests/e2e/conftest.py `client`).

examples/program.toml: 1 point per EUR, welcome 100, referrals of 200 each on a first
purchase of at least 20.00, 14 days for returns. The clock: 2026-01-01 09:00 UTC."""

from __future__ import annotations

from tests.e2e.conftest import Api


def test_a_referral_through_the_api_from_the_code_to_the_funnel(pos: Api, admin: Api) -> None:
    # given Ana, with a phone
    ana = pos.post("/v1/members", {"external_id": "ana", "phone": "+40 722 123 456"}).json()
    code = ana["referral_code"]
    # when someone enrolls with her code and her own phone, written otherwise: refused
    refused = pos.post(
        "/v1/members", {"external_id": "ana-2", "referral_code": code, "phone": "0722123456"}
    )
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["reason"]) == (
        "referral_refused",
        "self_referral",
    )
    assert pos.get("/v1/members/ana-2").status_code == 404
    # when Bob enrolls with it and buys for 25.00, paying with his own card
    bob = pos.post("/v1/members", {"external_id": "bob", "referral_code": code}).json()
    bought = pos.post(
        "/v1/purchases",
        {
            "member_id": bob["id"],
            "order_id": "o-1",
            "occurred_at": "2026-01-01T09:00:00Z",
            "currency": "EUR",
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "25.00"}],
            "payment_fingerprint": "fp-bob",
        },
    )
    assert bought.status_code == 201, bought.text
    # then both have 200 pending, and Ana's friends say so
    assert pos.get(f"/v1/members/{ana['id']}/balance").json()["pending"] == 200
    assert pos.get(f"/v1/members/{bob['id']}/balance").json()["pending"] == 25 + 200
    mine = admin.get(f"/v1/members/{ana['id']}/referrals?by=id").json()
    assert (mine["referral_code"], mine["points_earned"]) == (code, 200)
    [friend] = mine["friends"]
    assert (friend["friend_id"], friend["state"], friend["rewards_at"]) == (
        bob["id"],
        "qualified",
        "2026-01-15T09:00:00Z",
    )
    # and the funnel and the leaders of January
    funnel = admin.get("/v1/referrals/funnel?from=2026-01-01&to=2026-02-01").json()
    assert funnel == {
        "from": "2026-01-01",
        "to": "2026-02-01",
        "codes_shared": 1,
        "enrolled": 1,
        "qualified": 1,
        "rewarded": 0,
        "taken_back": 0,
        "refused": 0,
    }
    leaders = admin.get("/v1/referrals/leaders").json()  # the current month by default
    assert leaders == {
        "data": [
            {
                "member_id": ana["id"],
                "external_id": "ana",
                "friends": 1,
                "customers": 1,
                "revenue": "25.00",
            }
        ],
        "count": 1,
    }
    # a period that ends before it starts is refused; a pos key may not read the funnel
    backwards = admin.get("/v1/referrals/funnel?from=2026-02-01&to=2026-01-01")
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_input")
    assert pos.get("/v1/referrals/funnel").status_code == 403
