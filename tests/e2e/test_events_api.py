"""Events and early access through the API (api/routes/events.py), both stores, on
examples/program.toml: the wine tasting (20 seats, 500 points, free for Gold, cost 12.00,
17:00 UTC on 10 June 2027) and the autumn collection's early access (Silver and Gold from
1 September 2027 08:00 UTC, everyone from 8 September). Every answer must be one the
OpenAPI document announces (tests/e2e/conftest.py `client`)."""

from __future__ import annotations

from datetime import datetime

from patron.bootstrap import Patron
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.integration.helpers import balance_of, member


def test_an_rsvp_takes_a_seat_is_checked_in_and_then_cannot_be_cancelled(
    pos: Api, admin: Api, patron: Patron
) -> None:
    # given a Bronze member with 100 + 900 points
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 900, "setup", "tests"))
    # when the till RSVPs for them
    made = pos.post("/v1/events/wine-tasting/rsvps", {"member_id": mid})
    # then they have a seat, paid 500 points, costing the business 12.00
    assert made.status_code == 201, made.text
    seat = made.json()
    assert (seat["state"], seat["points"], seat["cost"], seat["place_in_line"]) == (
        "attending",
        500,
        "12.00",
        None,
    )
    assert seat["starts_at"] == "2027-06-10T17:00:00Z" and balance_of(patron, mid) == 500
    # and a second RSVP is refused naming the first
    twice = pos.post("/v1/events/wine-tasting/rsvps", {"external_id": "c-1"})
    assert (twice.status_code, twice.json()["code"], twice.json()["rsvp_id"]) == (
        409,
        "rsvp_exists",
        seat["id"],
    )
    # the events list shows 1 of 20 seats taken; the detail is for admin keys
    [event] = pos.get("/v1/events").json()["data"]
    assert (event["reward_id"], event["taken"], event["left"], event["free_for"]) == (
        "wine-tasting",
        1,
        19,
        ["Gold"],
    )
    assert pos.get("/v1/events/wine-tasting").status_code == 403
    detail = admin.get("/v1/events/wine-tasting").json()
    assert [r["id"] for r in detail["attendees"]] == [seat["id"]] and detail["waiting"] == []
    # when staff check the member in, then the RSVP is attended and no longer cancellable
    checked = pos.post(f"/v1/rsvps/{seat['id']}/check-in", None)
    assert (checked.status_code, checked.json()["state"]) == (201, "attended"), checked.text
    late = pos.post(f"/v1/rsvps/{seat['id']}/cancel", {"reason": "cannot come"})
    assert (late.status_code, late.json()["code"]) == (409, "rsvp_not_active")
    assert pos.get("/v1/events/nope").status_code == 403
    assert admin.get("/v1/events/nope").json()["code"] == "not_found"


def test_a_cancelled_rsvp_gives_the_points_back(pos: Api, patron: Patron) -> None:
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 900, "setup", "tests"))
    seat = pos.post("/v1/events/wine-tasting/rsvps", {"member_id": mid}).json()
    done = pos.post(f"/v1/rsvps/{seat['id']}/cancel", {"reason": "cannot come"})
    assert done.status_code == 201, done.text
    assert (done.json()["state"], done.json()["reason"]) == ("cancelled", "cannot come")
    assert balance_of(patron, mid) == 1000
    # the seat's redemption is never cancelled on its own: the RSVP is
    cancel = pos.post(f"/v1/redemptions/{seat['redemption_id']}/cancel", {})
    assert (cancel.status_code, cancel.json()["code"]) == (409, "conflict")
    # and an event with seats is not redeemed as a reward
    direct = pos.post("/v1/redemptions", {"member_id": mid, "reward_id": "wine-tasting"})
    assert (direct.status_code, direct.json()["code"]) == (409, "reward_unavailable")


def test_early_access_answers_yes_or_no_with_the_reason(
    pos: Api, patron: Patron, clock: Clock
) -> None:
    mid = member(patron)  # Bronze
    path = f"/v1/members/{mid}/early-access/autumn-collection"
    clock.now = datetime(2027, 9, 1, 7, 59, 59)
    assert pos.get(path).json() == {
        "offer_id": "autumn-collection",
        "member_id": mid,
        "allowed": False,
        "reason": "not_open_yet",
        "opens_at": "2027-09-01T08:00:00Z",
        "opens_to_all_at": "2027-09-08T08:00:00Z",
    }
    clock.now = datetime(2027, 9, 1, 8, 0)
    assert (pos.get(path).json()["allowed"], pos.get(path).json()["reason"]) == (
        False,
        "not_eligible",
    )
    clock.now = datetime(2027, 9, 8, 8, 0)
    assert (pos.get(path).json()["allowed"], pos.get(path).json()["reason"]) == (
        True,
        "open_to_all",
    )
    by_external = pos.get("/v1/members/c-1/early-access/autumn-collection?by=external_id")
    assert by_external.json()["member_id"] == mid
    unknown = pos.get(f"/v1/members/{mid}/early-access/spring")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
