"""A till records a sale for a customer who is not a member (`customer` instead of a
member): 202, no points, awaiting the member who proves the address; the same order id
cannot then be recorded again either way; a read or refund of it says it awaits a member
(409 purchase_unclaimed) and changes nothing. Every answer is checked against the OpenAPI
document (tests/e2e/conftest.py). The linking itself: tests/web/test_portal_join.py."""

from __future__ import annotations

from typing import Any

import pytest

from patron.bootstrap import Patron
from tests.e2e.conftest import Api
from tests.e2e.test_api import PURCHASE, enroll

CUSTOMER = {"email": "Maria@Shop.example", "phone": "+40 722 123 456"}


def _awaiting(pos: Api, order_id: str = "T-1", **customer: Any) -> Any:
    body = {**PURCHASE, "order_id": order_id, "customer": customer or CUSTOMER}
    return pos.post("/v1/purchases", body)


def test_a_sale_to_a_customer_who_is_not_a_member_awaits_one(pos: Api, patron: Patron) -> None:
    # when: 2 books at 10.00
    answer = _awaiting(pos)
    # then
    assert answer.status_code == 202, answer.text
    assert answer.json() == {
        "order_id": "T-1",
        "status": "awaiting_member",
        "total": "20.00",
        "points_earned": 0,
        "occurred_at": "2026-01-01T08:00:00Z",
    }
    kept = patron.read(lambda uow: uow.unclaimed.by_order_id("T-1"))
    assert kept is not None
    assert (kept.keys.email, kept.keys.phone, kept.keys.card) == (
        "maria@shop.example",
        "+40722123456",
        None,
    )
    assert patron.read(lambda uow: uow.members.count()) == 0


def test_its_order_id_is_taken_for_members_purchases_and_the_reverse(pos: Api) -> None:
    enroll(pos)
    assert _awaiting(pos).status_code == 202
    again = pos.post("/v1/purchases", {**PURCHASE, "order_id": "T-1", "external_id": "c-1"})
    assert (again.status_code, again.json()["code"]) == (409, "order_id_taken")
    assert pos.post("/v1/purchases", {**PURCHASE, "external_id": "c-1"}).status_code == 201
    reverse = _awaiting(pos, PURCHASE["order_id"])  # type: ignore[arg-type]
    assert (reverse.status_code, reverse.json()["code"]) == (409, "order_id_taken")


def test_a_read_or_a_refund_of_it_says_it_awaits_a_member(pos: Api, patron: Patron) -> None:
    assert _awaiting(pos).status_code == 202
    read = pos.get("/v1/purchases/T-1?by=order_id")
    assert (read.status_code, read.json()["code"]) == (409, "purchase_unclaimed")
    refund = pos.post("/v1/purchases/T-1/refunds?by=order_id", {})
    assert (refund.status_code, refund.json()["code"]) == (409, "purchase_unclaimed")
    assert "awaits a member" in refund.json()["detail"]
    kept = patron.read(lambda uow: uow.unclaimed.by_order_id("T-1"))
    assert kept is not None and kept.member_id is None


@pytest.mark.parametrize(
    "body",
    [
        {"customer": {}},
        {"customer": {"email": "not-an-address"}},
        {"customer": {"phone": "12"}},
        {"customer": {"card": "x"}},
        {"customer": CUSTOMER, "external_id": "c-1"},
        {"customer": CUSTOMER, "enroll": True},
        {"customer": CUSTOMER, "currency": "USD"},
    ],
)
def test_a_bad_customer_is_refused_and_nothing_is_kept(
    pos: Api, patron: Patron, body: dict[str, Any]
) -> None:
    answer = pos.post("/v1/purchases", {**PURCHASE, "order_id": "T-9", **body})
    assert answer.status_code == 422, answer.text
    assert patron.read(lambda uow: uow.unclaimed.by_order_id("T-9")) is None


def test_a_sale_under_a_members_card_or_address_is_that_members_at_once(
    pos: Api, patron: Patron
) -> None:
    """Ana (enrolled with ana@example.com) has the loyalty card AB1234: a till that names
    her by the card, or by her address in another case, records her purchase, 201 with
    its points (2 books at 10.00, 1 point a euro, books x2: 40 points), nothing kept; a phone
    alone names nobody (members' phones are not unique)."""
    ana = enroll(pos)["id"]
    with patron.uow() as uow:
        uow.contacts.set(ana, phone="+40722123456", card="AB1234")  # the card: cards table
        uow.commit()
    by_card = _awaiting(pos, "T-1", card="AB1234")
    assert by_card.status_code == 201, by_card.text
    assert (by_card.json()["member_id"], by_card.json()["points_earned"]) == (ana, 40)
    by_address = _awaiting(pos, "T-2", email="ANA@example.com")
    assert (by_address.status_code, by_address.json()["member_id"]) == (201, ana)
    by_phone = _awaiting(pos, "T-3", phone="+40 722 123 456")
    assert by_phone.status_code == 202
    assert patron.read(lambda uow: uow.members.get(ana)).purchase_count == 2  # type: ignore[union-attr]
    assert patron.read(lambda uow: uow.unclaimed.by_order_id("T-1")) is None
