"""Bonuses through the API, both stores: an admin's credit with `valid_days` answers with
its expiry and is spent first; a birthday given at enrollment, read by a till's key, set
and forgotten by an admin key (a day that does not exist: 422, nothing changes). Every
answer must be one the OpenAPI document announces (tests/e2e/conftest.py `client`)."""

from __future__ import annotations

from patron.bootstrap import Patron
from tests.e2e.conftest import Api


def test_a_burning_credit_answers_with_its_expiry(admin: Api, pos: Api) -> None:
    # given (examples/program.toml) a member with the 100 welcome points
    made = pos.post("/v1/members", {"external_id": "C-1"}).json()
    path = f"/v1/members/{made['id']}/adjustments"
    # when an admin grants 200 points valid 14 days (the clock: 1 January 2026, 09:00)
    done = admin.post(path, {"points": 200, "reason": "autumn bonus", "valid_days": 14})
    assert done.status_code == 201, done.text
    assert (done.json()["balance"], done.json()["expires_at"]) == (300, "2026-01-15T09:00:00Z")
    plain = admin.post(path, {"points": 10, "reason": "goodwill"}).json()
    assert plain["expires_at"] is None
    # and valid_days on a debit is refused, nothing changes
    refused = admin.post(path, {"points": -10, "reason": "fix", "valid_days": 3})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    balance = pos.get(f"/v1/members/{made['id']}/balance").json()
    assert balance["total"] == 310
    assert {"points": 200, "expires_at": "2026-01-15"} in balance["expiring"]


def test_a_birthday_is_given_at_enrollment_read_and_changed_by_an_admin(
    admin: Api, pos: Api, patron: Patron
) -> None:
    made = pos.post("/v1/members", {"external_id": "C-1", "birthday": "1990-04-17"})
    assert made.status_code == 201, made.text
    path = f"/v1/members/{made.json()['id']}/birthday"
    assert pos.get(path).json() == {"member_id": made.json()["id"], "birthday": "1990-04-17"}
    # an admin sets it without the year, then forgets it; a till's key may not
    put = admin.client.put(path, json={"birthday": "04-18"}, headers=admin.headers())
    assert (put.status_code, put.json()["birthday"]) == (200, "04-18")
    refused = admin.client.put(path, json={"birthday": "02-30"}, headers=admin.headers())
    assert refused.status_code == 422
    assert pos.get(path).json()["birthday"] == "04-18"
    forbidden = pos.client.put(path, json={"birthday": None}, headers=pos.headers())
    assert forbidden.status_code == 403
    gone = admin.client.put(path, json={"birthday": None}, headers=admin.headers())
    assert (gone.status_code, gone.json()["birthday"]) == (200, None)


def test_a_birthday_that_does_not_exist_refuses_the_enrollment(pos: Api) -> None:
    refused = pos.post("/v1/members", {"external_id": "C-1", "birthday": "1990-02-29"})
    assert refused.status_code == 422
    assert "birthday" in refused.text
    assert pos.get("/v1/members/C-1").status_code == 404
