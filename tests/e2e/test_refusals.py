"""Each refusal has its own problem code and carries the id of the object in the way, so
a till can act on it without parsing the detail (issue 11: every 409 was `conflict`)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from tests.e2e.conftest import Api
from tests.e2e.test_key_scopes import PURCHASE, buy, credit, enroll, redeem, till


def _problem(answer: object) -> tuple[int, str]:
    return answer.status_code, answer.json()["code"]  # type: ignore[attr-defined]


def test_an_enrollment_of_a_known_customer_names_the_member(pos: Api) -> None:
    first = enroll(pos, "c-1")
    again = pos.post("/v1/members", {"external_id": "c-1"})
    assert _problem(again) == (409, "member_exists")
    assert again.json()["member_id"] == first


def test_a_taken_order_names_the_purchase_only_to_a_key_that_may_see_it(
    client: TestClient, patron: Patron
) -> None:
    a, b = till(client, patron, "till-a", "A"), till(client, patron, "till-b", "B")
    member = enroll(a, "c-1")
    bought = buy(a, member, "o-1")
    body = {**PURCHASE, "member_id": member, "order_id": "o-1"}
    own = a.post("/v1/purchases", body)
    assert _problem(own) == (409, "order_id_taken")
    assert own.json()["purchase_id"] == bought
    other = b.post("/v1/purchases", body)
    assert _problem(other) == (409, "order_id_taken")
    assert "purchase_id" not in other.json()
    assert other.json()["detail"] == "order 'o-1' is already recorded"


def test_cancelling_twice_and_returning_twice_say_what_was_done_already(
    pos: Api, admin: Api
) -> None:
    member = enroll(pos, "c-1")
    credit(admin, member, 500)
    made = redeem(pos, member, 200)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert pos.post(f"/v1/redemptions/{rid}/cancel", {}).status_code == 201
    again = pos.post(f"/v1/redemptions/{rid}/cancel", {})
    assert _problem(again) == (409, "redemption_already_cancelled")
    assert again.json()["redemption_id"] == rid

    bought = buy(pos, member, "o-1")
    assert pos.post(f"/v1/purchases/{bought}/refunds", {}).status_code == 201
    twice = pos.post(f"/v1/purchases/{bought}/refunds", {})
    assert _problem(twice) == (409, "purchase_fully_returned")


def test_a_transaction_id_used_for_other_terms_names_its_redemption(pos: Api, admin: Api) -> None:
    member = enroll(pos, "c-1")
    credit(admin, member, 500)
    first = redeem(pos, member, 200, transaction_id="sale-9")
    other = redeem(pos, member, 300, transaction_id="sale-9")
    assert _problem(other) == (409, "transaction_id_reused")
    assert other.json()["redemption_id"] == first.json()["id"]


def test_points_short_says_how_many(pos: Api) -> None:
    member = enroll(pos, "c-1")
    short = redeem(pos, member, 100_000)
    assert _problem(short) == (409, "insufficient_points")
    assert short.json()["requested"] == 100_000
    assert short.json()["available"] < 100_000
