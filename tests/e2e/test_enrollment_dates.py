"""`enrolled_at` on `POST /v1/members` has the bound of a purchase's `occurred_at`: any
past moment from 1970 on (members moved from another system), at most a day ahead of the
server's clock; outside it, 422 and no member. An enrollment dated 2200 used to be
taken, leaving the welcome points pending until then (issue 11, section 5).

The tests' clock reads 2026-01-01 09:00 UTC, so "a day ahead" ends at 2026-01-02 09:00.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from tests.e2e.conftest import Api

AHEAD = "is more than a day ahead of the server's clock"


def _purchase(at: str, order_id: str) -> dict[str, Any]:
    return {
        "external_id": "anchor",
        "order_id": order_id,
        "occurred_at": at,
        "currency": "EUR",
        "lines": [{"sku": "A1", "quantity": 1, "unit_price": "10.00"}],
    }


@pytest.mark.parametrize(
    ("enrolled_at", "stored"),
    [
        ("2024-03-01T12:00:00Z", "2024-03-01T12:00:00Z"),  # moved from another system
        ("2026-01-02T09:00:00Z", "2026-01-02T09:00:00Z"),  # a day ahead: the last moment
        ("2026-01-02T10:00:00+01:00", "2026-01-02T09:00:00Z"),  # the same, with a zone
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),  # the earliest
    ],
)
def test_an_enrollment_dated_within_the_bound_is_taken_and_dates_the_member(
    pos: Api, enrolled_at: str, stored: str
) -> None:
    created = pos.post("/v1/members", {"external_id": "m-1", "enrolled_at": enrolled_at})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["enrolled_at"], body["tier_since"]) == (stored, stored)


@pytest.mark.parametrize(
    "enrolled_at",
    ["2026-01-02T09:00:01Z", "2027-01-01T00:00:00Z", "2200-01-01T00:00:00Z"],
)
def test_an_enrollment_dated_more_than_a_day_ahead_is_refused_as_a_purchase_is(
    pos: Api, patron: Patron, enrolled_at: str
) -> None:
    # given: a member to hold the purchases the same moments are compared with
    assert pos.post("/v1/members", {"external_id": "anchor"}).status_code == 201
    # when
    refused = pos.post("/v1/members", {"external_id": "m-1", "enrolled_at": enrolled_at})
    bought = pos.post("/v1/purchases", _purchase(enrolled_at, "o-1"))
    # then: both refused for the same reason, and no member made
    assert refused.status_code == 422, refused.text
    naive = enrolled_at.removesuffix("Z")
    assert refused.json()["detail"] == f"enrolled_at {naive} (UTC) {AHEAD}"
    assert bought.status_code == 422 and AHEAD in bought.json()["detail"]
    assert pos.get("/v1/members/m-1").status_code == 404


@pytest.mark.parametrize("enrolled_at", ["1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_an_enrollment_dated_before_1970_is_refused_as_a_purchase_is(
    pos: Api, enrolled_at: str
) -> None:
    assert pos.post("/v1/members", {"external_id": "anchor"}).status_code == 201
    refused = pos.post("/v1/members", {"external_id": "m-1", "enrolled_at": enrolled_at})
    bought = pos.post("/v1/purchases", _purchase(enrolled_at, "o-1"))
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("body.enrolled_at", "must be between the years 1970 and 2200")
    ]
    assert bought.status_code == 422
    assert [e["field"] for e in bought.json()["errors"]] == ["body.occurred_at"]
    assert pos.get("/v1/members/m-1").status_code == 404


def test_the_openapi_document_says_what_enrolled_at_is_and_its_bound(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["MemberCreate"]
    described = schema["properties"]["enrolled_at"]["description"]
    assert "default: now" in described
    assert "at most a day ahead of the server's clock" in described
