"""A member in a path: Patron's id and the shop's customer id cannot be confused
(docs/api.md, "Naming a member"). A number that is Patron's id of one member and the
external id of another is refused; `?by=` says which was meant."""

from __future__ import annotations

from tests.e2e.conftest import Api
from tests.e2e.test_api import enroll


def test_a_number_that_names_two_members_is_refused_and_changes_nothing(
    pos: Api, admin: Api
) -> None:
    ana = enroll(pos, "c-1")
    bob = enroll(pos, str(ana["id"]))  # a shop whose customer ids are numbers
    ambiguous = admin.get(f"/v1/members/{ana['id']}")
    assert ambiguous.status_code == 422
    assert ambiguous.json()["code"] == "ambiguous_member"
    assert ambiguous.json()["member_ids"] == [ana["id"], bob["id"]]
    credit = admin.post(f"/v1/members/{ana['id']}/adjustments", {"points": 50, "reason": "x"})
    assert credit.status_code == 422
    assert admin.get(f"/v1/members/{ana['id']}?by=id").json()["points"] == ana["points"]
    assert admin.get(f"/v1/members/{bob['id']}").json()["points"] == bob["points"]

    by_id = admin.get(f"/v1/members/{ana['id']}?by=id").json()
    by_external = admin.get(f"/v1/members/{ana['id']}?by=external_id").json()
    assert (by_id["external_id"], by_external["external_id"]) == ("c-1", str(ana["id"]))


def test_a_number_that_is_only_an_external_id_finds_its_member(pos: Api) -> None:
    ana = enroll(pos, "20251")
    assert pos.get("/v1/members/20251").json()["id"] == ana["id"]
    assert pos.get("/v1/members/20251?by=id").status_code == 404
    missing = pos.get("/v1/members/20252")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no member with id 20252 or external_id '20252'"
