"""The vouchers through the API (api/routes/vouchers.py), both stores: a redemption of a
discount answers with its voucher; `GET /v1/vouchers/{code}` checks it, `POST
/v1/vouchers/{code}/use` uses it once (the same use replayed answers the same), each
refusal with its own problem code; `GET /v1/causes` for admin keys. Every answer must be
one the OpenAPI document announces (tests/e2e/conftest.py `client`)."""

from __future__ import annotations

from patron.bootstrap import Patron
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.integration.helpers import member


def test_a_discount_voucher_is_checked_used_once_and_refused_after(
    pos: Api, admin: Api, patron: Patron, clock: Clock
) -> None:
    # given (examples/program.toml) a member with 1100 points who redeems ten-off
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 1000, "setup", "tests"))
    made = pos.post("/v1/redemptions", {"member_id": mid, "reward_id": "ten-off"})
    assert made.status_code == 201, made.text
    voucher = made.json()["voucher"]
    code = voucher["code"]
    # then the voucher is issued, for 30 days ([redemption] default) from 1 Jan 09:00
    assert (voucher["kind"], voucher["state"], voucher["expires_at"]) == (
        "discount",
        "issued",
        "2026-01-31T09:00:00Z",
    )
    assert pos.get(f"/v1/vouchers/{code.lower()}").json()["state"] == "issued"
    # when the till uses it for sale s-1, and replays the same use (a new Idempotency-Key)
    first = pos.post(f"/v1/vouchers/{code}/use", {"transaction_id": "s-1"})
    again = pos.post(f"/v1/vouchers/{code}/use", {"transaction_id": "s-1"})
    # then both answer the one use
    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["state"] == "used" and first.json()["used_at"] == "2026-01-01T09:00:00Z"
    assert again.json() == first.json()
    # and another sale is refused as used (409 voucher_used); an unknown code 404
    other = pos.post(f"/v1/vouchers/{code}/use", {"transaction_id": "s-2"})
    assert (other.status_code, other.json()["code"]) == (409, "voucher_used")
    unknown = pos.post("/v1/vouchers/K7QM4XT9PR2W/use", {"transaction_id": "s-3"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "voucher_unknown")
    assert pos.get("/v1/vouchers/nope").status_code == 404
    # and cancelling its redemption is refused: the discount was given
    cancel = pos.post(f"/v1/redemptions/{made.json()['id']}/cancel", {})
    assert (cancel.status_code, cancel.json()["code"]) == (409, "voucher_used")


def test_expired_and_cancelled_vouchers_are_refused_with_their_own_codes(
    pos: Api, patron: Patron, clock: Clock
) -> None:
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 2000, "setup", "tests"))
    one = pos.post("/v1/redemptions", {"member_id": mid, "reward_id": "ten-off"}).json()
    two = pos.post("/v1/redemptions", {"member_id": mid, "reward_id": "ten-off"}).json()
    assert pos.post(f"/v1/redemptions/{two['id']}/cancel", {}).status_code == 201
    clock.advance(days=30)
    expired = pos.post(f"/v1/vouchers/{one['voucher']['code']}/use", None)
    assert (expired.status_code, expired.json()["code"]) == (409, "voucher_expired")
    cancelled = pos.post(f"/v1/vouchers/{two['voucher']['code']}/use", None)
    assert (cancelled.status_code, cancelled.json()["code"]) == (409, "voucher_cancelled")
    assert pos.get(f"/v1/vouchers/{one['voucher']['code']}").json()["state"] == "expired"


def test_the_causes_totals_are_for_admin_keys(pos: Api, admin: Api, patron: Patron) -> None:
    # given two members planting a tree each (250 points, cost 2.50) and one twice
    a, b = member(patron, "c-1"), member(patron, "c-2")
    for mid in (a, b):
        patron.run(adjust, Adjust(mid, 1000, "setup", "tests"))
    for mid in (a, a, b):
        made = pos.post("/v1/redemptions", {"member_id": mid, "reward_id": "tree"})
        assert made.status_code == 201 and made.json()["voucher"] is None
    # then 3 donations, 750 points, 2 members, 7.50 EUR; a pos key is refused
    assert admin.get("/v1/causes").json()["data"] == [
        {
            "reward_id": "tree",
            "name": "Plant a tree",
            "donations": 3,
            "points": 750,
            "members": 2,
            "cost": "7.50",
        }
    ]
    assert pos.get("/v1/causes").status_code == 403
