"""Campaigns over HTTP, on both stores: admin only; created with their templates, shown,
previewed, launched, run (as `patron campaigns run-due` does), their results; bad input
refused with nothing written; a campaign that ran cannot be replaced."""

from __future__ import annotations

from patron.bootstrap import Patron
from patron.domain.experiments import Arm
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.usecases.test_experiments import expected_arm

SALT = "api-salt"
BODY = {
    "name": "spring",
    "audience": {"consent": False},
    "holdout_share": "0.5",
    "salt": SALT,
    "offer": {"bonus": 100, "days": 7},
    "content": {"A": {"subject": "Hello {{ member.first_name }}", "text": "Spring offers"}},
}


def enroll(admin: Api, n: int) -> list[int]:
    ids = []
    for i in range(n):
        answer = admin.post("/v1/members", {"external_id": f"c-{i}", "email": f"c{i}@x.org"})
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


def test_a_campaign_is_created_previewed_launched_run_and_measured(
    patron: Patron, admin: Api, pos: Api, clock: Clock
) -> None:
    ids = enroll(admin, 12)
    assert pos.post("/v1/campaigns", BODY).status_code == 403
    created = admin.post("/v1/campaigns", BODY)
    assert created.status_code == 201, created.text
    found = created.json()
    assert (found["status"], found["offer"]) == ("draft", {"days": 7, "bonus": 100})
    cid = found["id"]
    assert admin.get("/v1/campaigns").json()["count"] == 1
    assert admin.get(f"/v1/campaigns/{cid}").json()["name"] == "spring"
    control = {m for m in ids if expected_arm(SALT, m, 0.5) is Arm.CONTROL}
    preview = admin.get("/v1/campaigns/spring/preview?sample=3").json()
    assert (preview["audience"], preview["holdout"]) == (12, len(control))
    assert [r["member_id"] for r in preview["sample"]] == ids[:3]
    assert admin.get("/v1/campaigns/spring/results").status_code == 422  # not run yet
    launched = admin.post("/v1/campaigns/spring/launch", {})
    assert launched.status_code == 200, launched.text
    assert launched.json()["status"] == "scheduled"
    assert admin.post("/v1/campaigns/spring/launch", {}).json()["code"] == "campaign_started"
    done = patron.run_due_campaigns("cli:test")
    assert [name for name, _ in done] == ["spring"]
    shown = admin.get("/v1/campaigns/spring").json()
    assert shown["status"] == "done"
    assert shown["members"] == {"control": len(control), "treatment": 12 - len(control)}
    # nobody granted consent: the core refused every treated member's message
    assert shown["runs"][0]["refused"] == 12 - len(control)
    replaced = admin.client.put("/v1/campaigns/spring", json=BODY, headers=admin.headers(None))
    assert replaced.status_code == 409 and replaced.json()["campaign_id"] == cid
    clock.advance(days=3)
    results = admin.get("/v1/campaigns/spring/results")
    assert results.status_code == 200, results.text
    document = results.json()
    assert document["messages"] == {
        "refused": 12 - len(control),
        "refused:no_consent": 12 - len(control),
    }
    assert [a["members"] for a in document["arms"]] == [len(control), 12 - len(control)]
    assert document["cost"]["total"] in ("0", "0.00", "0.0000")


def test_bad_input_is_refused_and_nothing_is_written(admin: Api) -> None:
    for body in (
        {**BODY, "name": "bad name"},
        {**BODY, "audience": {"segments": ["winners"]}},
        {**BODY, "variants": [{"name": "A", "share": "0.4"}]},
        {**BODY, "content": {"A": {"subject": "{% if %}", "text": "x"}}},
        {**BODY, "offer": {"bonus": 0}},
    ):
        answer = admin.post("/v1/campaigns", body)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert admin.get("/v1/campaigns").json()["count"] == 0
    assert admin.post("/v1/campaigns", BODY).status_code == 201
    again = admin.post("/v1/campaigns", BODY)
    assert again.status_code == 409 and again.json()["code"] == "campaign_exists"
    assert admin.get("/v1/campaigns/nothing").status_code == 404
