"""List answers come in pages with a `next` link: following the links from the first page
reads every item once, in order, and the last page says so with `next: null`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api

# examples/program.toml's active rewards, cheapest first, then by id (points: 150, 200,
# 250, 300, 500, 500, 1000)
CATALOG = ["coffee", "gift-wrap", "tree", "preview", "vip-evening", "wine-tasting", "ten-off"]


def _follow(api: Api, first: str) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item from `first` on by `next` links, and the size of each page."""
    items: list[dict[str, Any]] = []
    sizes: list[int] = []
    link: str | None = first
    while link is not None:
        answer = api.get(link)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["count"] == len(body["data"])
        items += body["data"]
        sizes.append(body["count"])
        link = body["next"]
        assert len(sizes) < 20, "the links never end"
    return items, sizes


def _enrol_with_entries(admin: Api, external_id: str, entries: int) -> int:
    answer = admin.post("/v1/members", {"external_id": external_id})
    assert answer.status_code == 201, answer.text
    member = int(answer.json()["id"])
    have = len(admin.get(f"/v1/members/{member}/ledger?limit=500").json()["data"])
    for i in range(entries - have):
        body = {"points": i + 1, "reason": f"r{i}"}
        assert admin.post(f"/v1/members/{member}/adjustments", body).status_code == 201
    return member


def test_the_ledger_is_read_whole_by_following_next_newest_first(admin: Api) -> None:
    member = _enrol_with_entries(admin, "ana", 7)
    everything = admin.get(f"/v1/members/{member}/ledger?limit=500").json()
    assert everything["count"] == 7 and everything["next"] is None
    items, sizes = _follow(admin, f"/v1/members/{member}/ledger?limit=3")
    assert sizes == [3, 3, 1]
    assert [e["id"] for e in items] == [e["id"] for e in everything["data"]]
    ids = [e["id"] for e in items]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 7


def test_a_ledger_that_fills_its_last_page_exactly_announces_no_further_page(
    admin: Api,
) -> None:
    member = _enrol_with_entries(admin, "bo", 6)
    items, sizes = _follow(admin, f"/v1/members/{member}/ledger?limit=3")
    assert sizes == [3, 3] and len(items) == 6


def test_the_ledger_link_keeps_the_callers_other_parameters(admin: Api) -> None:
    _enrol_with_entries(admin, "cleo", 3)
    first = admin.get("/v1/members/cleo/ledger?by=external_id&limit=2").json()
    assert first["next"].startswith("/v1/members/cleo/ledger?")
    assert "by=external_id" in first["next"] and "limit=2" in first["next"]
    assert "before=" in first["next"]


def test_the_catalog_is_paged_cheapest_first(pos: Api) -> None:
    items, sizes = _follow(pos, "/v1/rewards?limit=4")
    assert [r["id"] for r in items] == CATALOG and sizes == [4, 3]
    whole = pos.get("/v1/rewards").json()
    assert [r["id"] for r in whole["data"]] == CATALOG and whole["next"] is None


def test_keys_and_spend_are_paged(admin: Api) -> None:
    for n in range(3):
        assert admin.post("/v1/api-keys", {"scope": "pos", "name": f"till-{n}"}).status_code == 201
    keys, sizes = _follow(admin, "/v1/api-keys?limit=2")
    names = [k["name"] for k in keys]
    assert names[-3:] == ["till-0", "till-1", "till-2"]
    assert len({k["prefix"] for k in keys}) == len(keys)
    assert sizes[:-1] == [2] * (len(sizes) - 1) and len(keys) == len(
        admin.get("/v1/api-keys?limit=500").json()["data"]
    )
    for month, channel in [("2026-02", "web"), ("2026-01", "web"), ("2026-01", "store")]:
        body = {"month": month, "channel": channel, "amount": "10.00", "currency": "EUR"}
        assert admin.post("/v1/acquisition-spend", body).status_code == 201
    spend, sizes = _follow(admin, "/v1/acquisition-spend?limit=2")
    assert [(s["month"], s["channel"]) for s in spend] == [
        ("2026-01", "store"),
        ("2026-01", "web"),
        ("2026-02", "web"),
    ]
    assert sizes == [2, 1]


def test_the_audit_trail_links_its_next_page(admin: Api) -> None:
    _enrol_with_entries(admin, "dan", 4)  # 3 adjustments after the welcome entry
    items, sizes = _follow(admin, "/v1/audit?action=points.adjusted&limit=2")
    assert [e["reason"] for e in items] == ["r0", "r1", "r2"] and sizes == [2, 1]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        "eyJhIjoxfQ",  # {"a":1}: JSON, but not a cursor
        "WzFd",  # [1]: one value where the catalog's cursor has two
        "WyIxIiwiY29mZmVlIl0",  # ["1","coffee"]: a string where points are a number
    ],
)
def test_a_cursor_this_api_did_not_send_is_refused(pos: Api, cursor: str) -> None:
    answer = pos.get(f"/v1/rewards?cursor={cursor}")
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "invalid_cursor"
