"""Experiments over HTTP, on both stores: admin only; the arm stable across a restart and
told to admins alone (a till's purchase answer and member record say nothing of it); bad
input refused with nothing written; the report and the power calculator answer."""

from __future__ import annotations

import json
from decimal import Decimal

from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.domain.experiments import Arm
from tests.conftest import Clock, new_key
from tests.e2e.conftest import Api
from tests.usecases.test_experiments import expected_arm

SALT = "api-salt"
HOLDOUT = {"name": "h", "kind": "holdout", "control_share": "0.5", "salt": SALT}


def enroll(admin: Api, n: int) -> list[int]:
    ids = []
    for i in range(n):
        answer = admin.post("/v1/members", {"external_id": f"c-{i}"})
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


def buy(pos: Api, member_id: int, order: str, clock: Clock) -> dict:  # type: ignore[type-arg]
    line = {"sku": "A", "quantity": 1, "unit_price": "50.00"}
    body = {"member_id": member_id, "order_id": order, "occurred_at": clock().isoformat() + "Z",
            "currency": "EUR", "lines": [line]}  # fmt: skip
    answer = pos.post("/v1/purchases", body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_the_arm_is_stable_across_a_restart_and_hidden_from_the_till(
    patron: Patron, admin: Api, pos: Api, clock: Clock
) -> None:
    ids = enroll(admin, 10)
    created = admin.post("/v1/experiments", HOLDOUT)
    assert created.status_code == 201, created.text
    assert "salt" not in created.json()
    arms = {m: admin.get(f"/v1/experiments/h/members/{m}?by=id").json()["arm"] for m in ids}
    assert arms == {m: expected_arm(SALT, m, 0.5).value for m in ids}
    # a new process on the same store: the same arms
    again = Patron.from_url(patron.engine.url.render_as_string(hide_password=False), clock=clock)
    try:
        with TestClient(create_app(again)) as other:
            key = new_key(again, "admin")
            seen = {
                m: other.get(f"/v1/experiments/h/members/{m}?by=id",
                             headers={"Authorization": f"Bearer {key}"}).json()["arm"]
                for m in ids
            }  # fmt: skip
    finally:
        again.dispose()
    assert seen == arms
    control = next(m for m in ids if arms[m] == Arm.CONTROL.value)
    treated = next(m for m in ids if arms[m] == Arm.TREATMENT.value)
    clock.advance(hours=1)
    held, earned = buy(pos, control, "o-c", clock), buy(pos, treated, "o-t", clock)
    assert (held["points_earned"], held["breakdown"]) == (0, [])
    assert earned["points_earned"] > 0
    record = pos.get(f"/v1/members/{control}")
    assert record.status_code == 200
    for text in (json.dumps(held), record.text):
        assert not {"holdout", "control", "experiment", "arm"} & set(_words(text))
    # admin only
    assert pos.get("/v1/experiments").status_code == 403
    assert pos.get(f"/v1/experiments/h/members/{control}?by=id").status_code == 403


def _words(text: str) -> list[str]:
    return [w.strip('"{}[],:').lower() for w in text.replace('"', " ").split()]


def test_bad_input_is_refused_and_nothing_written(admin: Api, clock: Clock) -> None:
    enroll(admin, 2)
    for body, code in [
        ({**HOLDOUT, "control_share": "2"}, "invalid_input"),
        ({**HOLDOUT, "kind": "pilot"}, "invalid_input"),
        ({**HOLDOUT, "name": ""}, "invalid_request"),
        ({**HOLDOUT, "kind": "coin"}, "invalid_request"),
    ]:
        answer = admin.post("/v1/experiments", body)
        assert answer.json()["code"] == code, answer.text
    assert admin.get("/v1/experiments").json()["count"] == 0
    assert admin.post("/v1/experiments", HOLDOUT).status_code == 201
    taken = admin.post("/v1/experiments", {**HOLDOUT, "control_share": "0.2"})
    assert (taken.status_code, taken.json()["code"]) == (409, "experiment_exists")
    clock.advance(days=1)
    started = admin.client.patch(
        "/v1/experiments/h", json={"control_share": "0.1"}, headers=admin.headers(None)
    )
    assert (started.status_code, started.json()["code"]) == (409, "experiment_started")
    shown = admin.get("/v1/experiments/h").json()
    assert Decimal(shown["control_share"]) == Decimal("0.5")
    assert admin.get("/v1/experiments/nope").status_code == 404


def test_the_report_and_the_power_calculator_answer(admin: Api, pos: Api, clock: Clock) -> None:
    ids = enroll(admin, 8)
    assert admin.post("/v1/experiments", HOLDOUT).status_code == 201
    clock.advance(days=3)
    for i, m in enumerate(ids):
        buy(pos, m, f"o-{i}", clock)
    clock.advance(days=3)
    answer = admin.get("/v1/experiments/h/report?other_cost=10&margin_rate=0.3")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert sum(a["members"] for a in found["arms"]) == 8
    assert {a["arm"]: a["revenue"] for a in found["arms"]} == {
        "control": "50.00",
        "treatment": "50.00",
    }  # every member bought one 50.00 purchase
    assert found["program_cost"] == {"redeemed": 0.0, "other": 10.0}
    clock.advance(days=3)  # the week before: from day 2, after every enrolment, to day 9
    power = admin.get("/v1/experiment-power?uplift=0.1&control_share=0.5&as_of="
                      + clock().isoformat())  # fmt: skip
    assert power.status_code == 200, power.text
    week = power.json()["data"][0]
    assert (week["weeks"], week["members"], week["mean"], week["variance"]) == (1, 8, 50.0, 0.0)
