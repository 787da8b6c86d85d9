"""Consent per channel and the suppression list over HTTP, on both stores
(api/routes/consents.py, api/routes/suppressions.py; docs/messages.md).

A till's key reads and records a member's consent per channel, with when and how; a
double opt-in yes waits for the link of a queued confirmation e-mail; the suppression
list is for admin keys: an address added is normalised, stops marketing at enqueue, and
taken off lets it through again."""

from __future__ import annotations

from patron.bootstrap import Patron
from patron.domain.messages import Channel, Outgoing
from patron.services import messages as core
from patron.services.preferences import follow_link
from tests.conftest import Clock
from tests.e2e.conftest import Api


def _put(api: Api, path: str, body: dict[str, object]) -> object:
    return api.client.put(path, json=body, headers=api.headers(None))


def test_a_till_records_consent_per_channel_with_when_and_how(
    pos: Api, clock: Clock, patron: Patron
) -> None:
    assert (
        pos.post("/v1/members", {"external_id": "c-1", "email": "a@x.example"}).status_code == 201
    )
    empty = pos.get("/v1/members/c-1/consents?by=external_id").json()
    assert [(c["channel"], c["state"], c["source"]) for c in empty["data"]] == [
        ("email", "not recorded", None),
        ("sms", "not recorded", None),
        ("push", "not recorded", None),
    ]
    answer = _put(pos, "/v1/members/c-1/consents/sms?by=external_id", {"granted": True})
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert answer.json() == {  # type: ignore[attr-defined]
        "channel": "sms",
        "purpose": "marketing_sms",
        "state": "granted",
        "awaiting_confirmation": False,
        "recorded_at": "2026-01-01T09:00:00Z",
        "source": "api",
    }
    refused = _put(pos, "/v1/members/c-1/consents/fax?by=external_id", {"granted": True})
    missing = _put(pos, "/v1/members/c-9/consents/sms?by=external_id", {"granted": True})
    assert (refused.status_code, missing.status_code) == (422, 404)  # type: ignore[attr-defined]


def test_a_double_opt_in_yes_waits_for_the_link_of_a_queued_confirmation(
    pos: Api, patron: Patron
) -> None:
    pos.post("/v1/members", {"external_id": "c-1", "email": "a@x.example"})
    body = {"granted": True, "double_opt_in": True}
    answer = _put(pos, "/v1/members/c-1/consents/email?by=external_id", body).json()  # type: ignore[attr-defined]
    assert (answer["state"], answer["awaiting_confirmation"]) == ("not recorded", True)
    queued = patron.read(lambda uow: uow.messages.get(1))
    assert (queued["template"], queued["kind"], queued["status"]) == (
        "consent/confirm",
        "transactional",
        "queued",
    )
    token = queued["context"]["confirm_url"].rsplit("/u/", 1)[1]
    patron.run(follow_link, token)
    after = pos.get("/v1/members/c-1/consents?by=external_id").json()["data"][0]
    assert (after["state"], after["source"], after["awaiting_confirmation"]) == (
        "granted",
        "confirmation",
        False,
    )


def test_the_suppression_list_is_for_admins_and_stops_marketing(
    admin: Api, pos: Api, patron: Patron
) -> None:
    admin.post("/v1/members", {"external_id": "c-1", "email": "ana@x.example"})
    _put(admin, "/v1/members/c-1/consents/email?by=external_id", {"granted": True})
    body = {"channel": "email", "address": " ANA@x.example"}
    assert pos.post("/v1/suppressions", body, idem=None).status_code == 403
    first = admin.post("/v1/suppressions", body, idem=None)
    again = admin.post("/v1/suppressions", body, idem=None)
    assert (first.status_code, first.json()["changed"]) == (200, True)
    assert first.json()["address"] == "ana@x.example"  # as stored and matched
    assert (again.status_code, again.json()["changed"]) == (200, False)
    listed = admin.get("/v1/suppressions?channel=email").json()
    assert listed["count"] == 1
    entry = listed["data"][0]
    assert (entry["address"], entry["reason"], entry["source"]) == (
        "ana@x.example",
        "manual",
        "api",
    )
    for channel, address in (
        ("sms", "no digits"),
        ("sms", "12345"),
        ("email", "nonsense"),
        ("email", "a\u0000@b.example"),
        ("email", "a@b"),
        ("push", "   "),
    ):
        bad = admin.post("/v1/suppressions", {"channel": channel, "address": address}, idem=None)
        assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input"), address
    assert admin.get("/v1/suppressions").json()["count"] == 1

    def ask(key: str) -> object:
        return patron.run(core.enqueue, Outgoing(1, Channel.EMAIL, "campaign/1/A", key)).refused

    assert str(ask("k-1")) == "suppressed"
    removed = admin.client.delete(
        "/v1/suppressions/email/Ana@x.example", headers=admin.headers(None)
    )
    assert removed.json() == {"channel": "email", "address": "Ana@x.example", "changed": True}
    assert ask("k-2") is None
    assert admin.get("/v1/suppressions").json()["count"] == 0
