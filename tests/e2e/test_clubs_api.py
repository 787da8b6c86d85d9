"""Clubs through the API (api/routes/clubs.py), on both stores, with the example program
(a rule club `kids`, an invitation club `wine`): an admin invites, the member accepts, the
history tells it; a rule club is evaluated; a refused step has its own code; a pos key is
refused. Every answer is one the OpenAPI document announces (the `client` fixture)."""

from __future__ import annotations

from patron.bootstrap import Patron
from tests.e2e.conftest import Api
from tests.e2e.test_api import enroll


def test_invite_accept_history_and_a_refused_step(pos: Api, admin: Api, patron: Patron) -> None:
    ana = enroll(pos)["id"]
    invited = admin.post("/v1/clubs/wine/steps", {"member_id": ana, "step": "invite"})
    assert invited.status_code == 201, invited.text
    assert (invited.json()["change"], invited.json()["standing"]) == ("invited", "invited")
    accepted = admin.post("/v1/clubs/wine/steps", {"external_id": "c-1", "step": "accept"})
    assert (accepted.json()["change"], accepted.json()["standing"]) == ("joined", "member")
    members = admin.get("/v1/clubs/wine/members").json()
    assert [m["member_id"] for m in members["data"]] == [ana]
    history = admin.get(f"/v1/clubs/wine/history?member_id={ana}").json()["data"]
    assert [h["change"] for h in history] == ["invited", "joined"]
    again = admin.post("/v1/clubs/wine/steps", {"member_id": ana, "step": "invite"})
    assert (again.status_code, again.json()["code"]) == (409, "club_join_refused")
    listed = {c["id"]: c["members"] for c in admin.get("/v1/clubs").json()["data"]}
    assert listed == {"kids": 0, "wine": 1}
    evaluated = admin.post("/v1/clubs/kids/evaluate", {}, idem=None)
    assert evaluated.json() == {"club_id": "kids", "admitted": [], "removed": []}
    unknown = admin.get("/v1/clubs/nope/members")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert pos.get("/v1/clubs").status_code == 403
