"""What makes two writes "the same request" under one Idempotency-Key (api/idempotency.py):
the values of the body, not their spelling, and the resource, however it was addressed."""

from __future__ import annotations

from patron.bootstrap import Patron
from tests.e2e.conftest import Api
from tests.e2e.test_api import PURCHASE, enroll


def _purchase(price: str) -> dict:  # type: ignore[type-arg]
    line = {**PURCHASE["lines"][0], "unit_price": price}  # type: ignore[index]
    return {**PURCHASE, "external_id": "c-1", "lines": [line]}


def test_a_retry_that_spells_an_amount_otherwise_is_the_same_request(
    pos: Api, patron: Patron
) -> None:
    """A till that sends `10.0` and, after a timeout, `10.00` sent one purchase."""
    enroll(pos)
    first = pos.post("/v1/purchases", _purchase("10.0"), idem="k-1")
    retry = pos.post("/v1/purchases", _purchase("10.00"), idem="k-1")
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json() == first.json()
    other = pos.post("/v1/purchases", _purchase("10.01"), idem="k-1")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    with patron.uow(readonly=True) as uow:
        assert uow.members.by_external_id("c-1").purchase_count == 1  # type: ignore[union-attr]


def test_an_adjustment_retried_through_the_other_id_is_replayed(admin: Api, pos: Api) -> None:
    """A member by Patron id and by external id is one member: one adjustment."""
    member = enroll(pos)
    before = pos.get(f"/v1/members/{member['id']}/balance").json()["points"]
    body = {"points": 70, "reason": "goodwill"}
    first = admin.post(f"/v1/members/{member['id']}/adjustments", body, idem="k-2")
    retry = admin.post("/v1/members/c-1/adjustments?by=external_id", body, idem="k-2")
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert pos.get(f"/v1/members/{member['id']}/balance").json()["points"] == before + 70


def test_the_same_key_on_another_path_is_another_request(pos: Api) -> None:
    """A key reused for a refund after a purchase is a client's bug, not a replay."""
    enroll(pos)
    bought = pos.post("/v1/purchases", _purchase("10.00"), idem="k-3")
    assert bought.status_code == 201
    refund = pos.post(f"/v1/purchases/{bought.json()['id']}/refunds", {}, idem="k-3")
    assert refund.status_code == 422
    assert refund.json()["code"] == "idempotency_key_reused"
