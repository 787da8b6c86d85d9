"""Loyalty cards through the API (api/routes/cards.py), on both stores: an admin prints
a batch, a till links a card and finds the member by it, by phone or by e-mail, a lost
card is replaced, and the blocked card finds nobody; every answer is one the OpenAPI
document announces (the `client` fixture checks it)."""

from __future__ import annotations

from patron.bootstrap import Patron
from tests.e2e.conftest import Api
from tests.e2e.test_api import enroll


def test_the_till_links_finds_replaces_and_the_old_card_finds_nobody(
    pos: Api, admin: Api, patron: Patron
) -> None:
    batch = admin.post("/v1/cards/batches", {"count": 2})
    assert batch.status_code == 201, batch.text
    first, second = batch.json()["numbers"]
    ana = enroll(pos)["id"]
    linked = pos.post(f"/v1/cards/{first}/link", {"member_id": ana})
    assert (linked.status_code, linked.json()["status"], linked.json()["member_id"]) == (
        200,
        "active",
        ana,
    )
    spaced = " ".join(first[i : i + 4] for i in range(0, 16, 4))
    found = pos.get(f"/v1/members?card={spaced}")
    assert found.status_code == 200, found.text
    assert [m["id"] for m in found.json()["data"]] == [ana]
    assert "email" not in found.json()["data"][0]  # the till view
    typo = first[:-1] + str((int(first[-1]) + 1) % 10)
    assert pos.get(f"/v1/members?card={typo}").json()["code"] == "card_mistyped"
    points = pos.get(f"/v1/members/{ana}/balance").json()["points"]
    replaced = pos.post(f"/v1/cards/{first}/replace", {"new_card": second})
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["blocked"]["replaced_by"] == second
    assert pos.get(f"/v1/members?card={first}").json()["code"] == "card_blocked"
    assert [m["id"] for m in pos.get(f"/v1/members?card={second}").json()["data"]] == [ana]
    assert pos.get(f"/v1/members/{ana}/balance").json()["points"] == points
    # another member cannot take her card
    ion = pos.post("/v1/members", {"external_id": "C-2000"}).json()["id"]
    taken = pos.post(f"/v1/cards/{second}/link", {"member_id": ion})
    assert (taken.status_code, taken.json()["code"]) == (409, "card_taken")


def test_finding_by_e_mail_any_case(pos: Api, patron: Patron) -> None:
    member = enroll(pos)
    found = pos.get(f"/v1/members?email={member['email'].upper()}")
    assert [m["id"] for m in found.json()["data"]] == [member["id"]]
    both = pos.get("/v1/members?email=a@b.example&phone=123456")
    assert (both.status_code, both.json()["code"]) == (422, "invalid_input")
