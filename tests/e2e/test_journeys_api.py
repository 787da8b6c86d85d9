"""`GET /v1/journeys` (api/routes/journeys.py): every journey with its switch and
settings from the program and its messages' counts, for admin keys only.
examples/program.toml switches on all but tier_down (written, `enabled = false`)."""

from __future__ import annotations

from tests.e2e.conftest import Api


def test_admins_list_the_journeys_and_others_are_refused(admin: Api, pos: Api) -> None:
    answer = admin.get("/v1/journeys")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == 7
    found = {j["name"]: j for j in body["data"]}
    assert [n for n, j in found.items() if not j["enabled"]] == ["tier_down"]
    assert found["winback"]["trigger"] == "scan"
    assert found["expiry"]["trigger"] == "points.expiring_soon"
    assert found["winback"]["settings"] == {
        "enabled": True,
        "channel": "email",
        "multiple": "2.5",
        "default_interval_days": 60,
        "p_alive_below": None,
    }
    assert found["welcome"]["counts"] == {}
    refused = pos.get("/v1/journeys")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
