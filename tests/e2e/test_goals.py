"""Goals over HTTP, on both stores: set, list, read; refusals as problem+json; admin only.
The store and its figures are tests/support/goals.py's (computed by hand there)."""

from __future__ import annotations

from datetime import datetime

from patron.bootstrap import Patron
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.support import goals as scenario

BODY = {
    "kpi": "purchase_frequency", "target": "10", "deadline": "2026-07-31", "owner": "ana",
    "window_days": 30, "primary": True, "name": "More visits",
}  # fmt: skip


def test_a_goal_is_set_listed_and_read_over_http(
    patron: Patron, clock: Clock, admin: Api, pos: Api
) -> None:
    scenario.build(patron, clock)
    created = admin.post("/v1/goals", BODY, idem="goal-1")
    assert created.status_code == 201, created.text
    goal = created.json()
    # 3 purchases of 4 members in 30 days: 3 / 4 × 365 / 30
    assert (goal["baseline"], goal["target"], goal["status"]) == ("9.125", "10", "on_track")
    assert (goal["baseline_from"], goal["baseline_to"]) == ("2026-06-02", "2026-07-02")
    assert goal["created_by"].startswith("apikey:")
    # the same request again is answered as the first time, and writes no second goal
    again = admin.post("/v1/goals", BODY, idem="goal-1")
    assert (again.status_code, again.json()) == (201, goal)
    listed = admin.get("/v1/goals").json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == goal["id"]
    clock.now = datetime(2026, 7, 2, 9)  # the window [06-03, 07-03) holds the same 3
    detail = admin.get(f"/v1/goals/{goal['id']}").json()
    assert detail["values"] == [{"day": "2026-07-01", "value": "9.125", "path": "9.125"}]
    assert detail["path_today"] == "9.154167"  # 9.125 + 0.875 / 30
    assert detail["status"] == "on_track"
    assert pos.get("/v1/goals").status_code == 403
    assert pos.post("/v1/goals", BODY).status_code == 403


def test_refusals_are_problems_with_their_codes_and_write_nothing(
    patron: Patron, clock: Clock, admin: Api
) -> None:
    scenario.build(patron, clock)
    unknown = admin.post("/v1/goals", {**BODY, "kpi": "visits"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "invalid_goal"
    assert "unknown KPI 'visits'" in unknown.json()["detail"]
    same = admin.post("/v1/goals", {**BODY, "target": "9.125"})
    assert same.status_code == 422 and "equals the baseline" in same.json()["detail"]
    bad_population = admin.post("/v1/goals", {**BODY, "population": "club:x"})
    assert bad_population.status_code == 422
    assert "unknown kind 'club'" in bad_population.json()["detail"]
    assert admin.get("/v1/goals").json()["count"] == 0
    missing = admin.get("/v1/goals/7")
    assert (missing.status_code, missing.json()["code"]) == (404, "goal_not_found")
    assert admin.post("/v1/goals", BODY).status_code == 201
    second = admin.post("/v1/goals", {**BODY, "kpi": "average_basket", "target": "60"})
    assert (second.status_code, second.json()["code"]) == (409, "primary_goal_exists")
    assert admin.get("/v1/goals").json()["count"] == 1
