"""The shop's own ids work wherever a member is named, and a till that enrolls at the
counter does it with the first purchase (issue 11, section 2)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from tests.e2e.conftest import Api
from tests.e2e.test_api import PURCHASE, enroll
from tests.e2e.test_key_scopes import credit, till


def test_a_redemption_and_its_quote_name_the_member_by_external_id(pos: Api, admin: Api) -> None:
    member = enroll(pos, "c-1")
    credit(admin, member["id"], 400)
    quote = pos.post("/v1/redemptions/quote", {"external_id": "c-1", "points": 150})
    assert quote.status_code == 200, quote.text
    assert (quote.json()["member_id"], quote.json()["sufficient"]) == (member["id"], True)
    made = pos.post("/v1/redemptions", {"external_id": "c-1", "points": 150})
    assert made.status_code == 201, made.text
    assert made.json()["member_id"] == member["id"]
    assert made.json()["balance"] == member["points"] + 400 - 150
    both = pos.post("/v1/redemptions", {"external_id": "c-1", "member_id": member["id"]})
    assert both.status_code == 422
    assert "exactly one of member_id or external_id" in both.json()["detail"]
    unknown = pos.post("/v1/redemptions", {"external_id": "c-404", "points": 150})
    assert unknown.status_code == 404


def _first(api: Api, external_id: str, order_id: str, **extra: object) -> object:
    body = {**PURCHASE, "external_id": external_id, "order_id": order_id, **extra}
    return api.post("/v1/purchases", body)


def test_a_first_purchase_enrolls_its_customer_once(pos: Api, patron: Patron) -> None:
    welcome = enroll(pos, "known")["points"]  # what enrolling gives, by the program
    first = _first(pos, "c-new", "o-1", enroll=True)
    assert first.status_code == 201, first.text  # type: ignore[attr-defined]
    answer = first.json()  # type: ignore[attr-defined]
    assert answer["enrolled"] is True
    member = pos.get(f"/v1/members/{answer['member_id']}").json()
    assert member["external_id"] == "c-new"
    assert member["points"] == welcome + answer["points_earned"]
    again = _first(pos, "c-new", "o-2", enroll=True)
    assert again.json()["enrolled"] is False  # type: ignore[attr-defined]
    assert again.json()["member_id"] == answer["member_id"]  # type: ignore[attr-defined]
    with patron.uow(readonly=True) as uow:
        assert uow.members.count() == 2


def test_without_enroll_an_unknown_customer_is_refused(pos: Api, patron: Patron) -> None:
    refused = _first(pos, "c-new", "o-1")
    assert refused.status_code == 404  # type: ignore[attr-defined]
    by_id = pos.post("/v1/purchases", {**PURCHASE, "member_id": 9, "enroll": True})
    assert by_id.status_code == 422
    assert "external_id" in by_id.json()["detail"]
    with patron.uow(readonly=True) as uow:
        assert uow.members.count() == 0


def test_only_a_key_that_may_enroll_enrolls(client: TestClient, patron: Patron) -> None:
    earner = till(client, patron, "till-earn", None, operations=["earn"])
    refused = _first(earner, "c-new", "o-1", enroll=True)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert refused.json()["code"] == "forbidden_operation"  # type: ignore[attr-defined]
    with patron.uow(readonly=True) as uow:
        assert uow.members.count() == 0
