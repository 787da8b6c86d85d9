"""`POST /v1/simulations` over HTTP on both stores: the six purchases of
tests/integration/test_simulate_cli.py recorded through the API, both programs replayed
on the store with the figures computed by hand there; admin only; bad input refused
with a problem naming it, nothing written."""

from __future__ import annotations

from datetime import datetime

from patron.bootstrap import Patron
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.integration.test_simulate_cli import HISTORY, PROGRAM

OTHER = PROGRAM.replace("threshold = 1500", "threshold = 1000").replace("at 1500", "at 1000")


def seed(admin: Api, clock: Clock) -> None:
    clock.now = datetime(2026, 3, 1)
    for row in HISTORY.splitlines()[1:]:
        who, order, at, amount = row.split(",")
        if admin.get(f"/v1/members/{who}").status_code == 404:
            body = {"external_id": who, "enrolled_at": at + "Z"}
            assert admin.post("/v1/members", body).status_code == 201
        line = {"sku": "SKU", "unit_price": amount}
        body = {"external_id": who, "order_id": order, "occurred_at": at + "Z",
                "currency": "EUR", "lines": [line]}  # fmt: skip
        assert admin.post("/v1/purchases", body).status_code == 201


def test_two_programs_replayed_on_the_store(
    admin: Api, pos: Api, clock: Clock, patron: Patron
) -> None:
    # given
    seed(admin, clock)
    body = {"program": PROGRAM, "against": OTHER, "redeem_rate": "0.5", "margin": "0.4"}
    # when
    answer = admin.post("/v1/simulations", body)
    # then
    assert answer.status_code == 200, answer.text
    found = answer.json()
    rows = {
        (r["month"], r["measure"]): (r["program"], r["other"], r["difference"])
        for r in found["comparison"]
    }
    assert rows["all", "points_issued"] == (3350, 3475, 125)
    assert rows["all", "reward_cost"] == ("11.40", "11.72", "0.32")
    assert rows["2026-02", "members_Gold"] == (1, 2, 1)
    assert found["summary"]["break_even_uplift"] == 0.0095
    # admin only; refusals name the field
    assert pos.post("/v1/simulations", body).status_code == 403
    bad = admin.post("/v1/simulations", {"program": "name = 1"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_program"
    late = admin.post(
        "/v1/simulations", {"program": PROGRAM, "from": "2026-03-01", "to": "2026-01-01"}
    )
    assert (
        late.status_code == 422
        and "to: 2026-01-01 is before from: 2026-03-01" in late.json()["detail"]
    )
