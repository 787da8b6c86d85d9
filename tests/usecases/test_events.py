"""Events with seats (services/events.py, docs/rewards.md "Events"): seats in RSVP order
and then a waiting list in order; a seat paid in points, or free for a tier with its cost
to the business recorded for the budget; a cancellation gives the points back into their
lots and seats the first in line, who pays then or is skipped with the reason; RSVPs close
when the event begins; staff check attendees in. Both stores.

Elsewhere: 100 concurrent RSVPs (tests/integration/test_event_races.py); the API
(tests/e2e/test_events_api.py); the CLI (tests/integration/test_events_cli.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from patron.analytics.budget import free_event_seats, rewards_redeemed
from patron.bootstrap import Patron
from patron.domain.errors import (
    Conflict,
    EventClosed,
    NotFound,
    RewardUnavailable,
    RsvpExists,
    RsvpNotActive,
)
from patron.domain.program import Program
from patron.services.adjust import adjust
from patron.services.commands import Adjust, CancelRedemption, Redeem
from patron.services.events import (
    CancelRsvp,
    CheckIn,
    RsvpTo,
    cancel_rsvp,
    check_in,
    event_detail,
    member_rsvps,
    rsvp,
    upcoming_events,
)
from patron.services.redeem import cancel, redeem
from tests.conftest import Clock, use_program
from tests.integration.helpers import balance_of, lots_of, member, record

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Events"
currency = "EUR"

[earning]
points_per_unit = 1

[tiers]
basis = "spend"

  [[tiers.levels]]
  name = "Member"

  [[tiers.levels]]
  name = "Gold"
  threshold = 50              # one purchase of 50.00 EUR

[[rewards]]
id = "tasting"
name = "Wine tasting"
kind = "event"
points = 200
cost = 12.00
starts_at = 2026-02-01T18:00:00+01:00   # 17:00 UTC
place = "The shop"
capacity = 2
free_for = ["Gold"]

[[rewards]]
id = "gala"
name = "Gold gala"
kind = "event"
points = 100
starts_at = 2026-03-01T19:00:00Z
capacity = 10
tiers = ["Gold"]
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def with_points(patron: Patron, external_id: str, points: int = 500) -> int:
    mid = member(patron, external_id)
    patron.run(adjust, Adjust(mid, points, "test setup", "tests"))
    return mid


def gold(patron: Patron, external_id: str) -> int:
    """A Gold member: one purchase of 50.00 EUR (50 points)."""
    mid = member(patron, external_id)
    record(patron, mid, f"o-{external_id}")
    return mid


def test_seats_go_in_rsvp_order_then_the_waiting_list_in_order(patron: Patron) -> None:
    # given four members with 500 points each and a tasting of 2 seats at 200 points
    a, b, c, d = (with_points(patron, f"c-{i}") for i in range(4))
    # when all four RSVP in turn
    done = [patron.run(rsvp, RsvpTo(m, "tasting")) for m in (a, b, c, d)]
    # then the first two have seats, paid 200 points each; the others wait, in order
    assert [(r.state, r.place_in_line, r.points) for r in done] == [
        ("attending", None, 200),
        ("attending", None, 200),
        ("waiting", 1, 0),
        ("waiting", 2, 0),
    ]
    assert [balance_of(patron, m) for m in (a, b, c, d)] == [300, 300, 500, 500]
    [event] = [e for e in patron.read(upcoming_events) if e.reward_id == "tasting"]
    assert (event.capacity, event.taken, event.left, event.waiting) == (2, 2, 0, 2)
    assert event.starts_at == datetime(2026, 2, 1, 17, 0)
    detail = patron.read(event_detail, "tasting")
    assert [r.member_id for r in detail.attendees] == [a, b]
    assert [r.member_id for r in detail.waiting] == [c, d]


def test_a_free_tier_takes_a_seat_without_points_and_its_cost_counts_in_the_budget(
    patron: Patron,
) -> None:
    # given a Gold member (50 points) and a Member with 500 points
    g = gold(patron, "g-1")
    m = with_points(patron, "c-1")
    # when both RSVP to the tasting (free for Gold, 200 points otherwise, cost 12.00)
    free = patron.run(rsvp, RsvpTo(g, "tasting"))
    paid = patron.run(rsvp, RsvpTo(m, "tasting"))
    # then the Gold seat spends nothing and has no redemption; the other spends 200
    assert (free.state, free.points, free.redemption_id, free.cost) == (
        "attending",
        0,
        None,
        Decimal("12.00"),
    )
    assert (paid.points, paid.cost) == (200, Decimal("12.00")) and paid.redemption_id
    assert (balance_of(patron, g), balance_of(patron, m)) == (50, 300)
    # and January's budget counts each seat's 12.00 once: the free one as a free seat,
    # the paid one as the reward redeemed
    jan = [date(2026, 1, 1)]
    assert patron.read(lambda uow: free_event_seats(uow, jan)) == {jan[0]: Decimal("12.00")}
    assert patron.read(lambda uow: rewards_redeemed(uow, jan)) == {jan[0]: Decimal("12.00")}


def test_cancelling_a_seat_gives_the_points_back_and_seats_the_first_in_line(
    patron: Patron,
) -> None:
    # given a full tasting (a, b) and c then d waiting
    a, b, c, d = (with_points(patron, f"c-{i}") for i in range(4))
    lots_before = lots_of(patron, a)
    first, _, third, fourth = (patron.run(rsvp, RsvpTo(m, "tasting")) for m in (a, b, c, d))
    # when a cancels
    done = patron.run(cancel_rsvp, CancelRsvp(first.id, "tests", "cannot come"))
    # then a's 200 points are back in the lot they came from, and c has the seat, paid now
    assert (done.state, done.reason, done.promoted, done.skipped) == (
        "cancelled",
        "cannot come",
        (third.id,),
        (),
    )
    assert lots_of(patron, a) == lots_before and balance_of(patron, a) == 500
    assert balance_of(patron, c) == 300
    by_member = {r.member_id: r for r in patron.read(member_rsvps, c)}
    assert (by_member[c].state, by_member[c].points) == ("attending", 200)
    # d is now first in line; the seats are still 2 of 2
    [d_now] = patron.read(member_rsvps, d)
    assert (d_now.id, d_now.state, d_now.place_in_line) == (fourth.id, "waiting", 1)
    [event] = [e for e in patron.read(upcoming_events) if e.reward_id == "tasting"]
    assert (event.taken, event.waiting) == (2, 1)
    # and the January free seats are none; the paid ones are b's and c's (a's cancelled)
    jan = [date(2026, 1, 1)]
    assert patron.read(lambda uow: rewards_redeemed(uow, jan)) == {jan[0]: Decimal("24.00")}


def test_the_first_in_line_who_cannot_pay_is_skipped_with_the_reason(patron: Patron) -> None:
    # given a full tasting (a, b), then c with 100 points waiting, then d with 500
    a, b = with_points(patron, "c-a"), with_points(patron, "c-b")
    c, d = with_points(patron, "c-c", 100), with_points(patron, "c-d")
    first = patron.run(rsvp, RsvpTo(a, "tasting"))
    patron.run(rsvp, RsvpTo(b, "tasting"))
    short = patron.run(rsvp, RsvpTo(c, "tasting"))  # waiting costs nothing yet
    after = patron.run(rsvp, RsvpTo(d, "tasting"))
    assert (short.state, after.state) == ("waiting", "waiting")
    # when a cancels
    done = patron.run(cancel_rsvp, CancelRsvp(first.id, "tests"))
    # then c cannot pay 200 and is skipped with the reason; d takes the seat and pays
    assert (done.promoted, done.skipped) == ((after.id,), (short.id,))
    [skipped] = patron.read(member_rsvps, c)
    assert skipped.state == "skipped"
    assert skipped.reason == "insufficient_points: 200 points requested but only 100 are spendable"
    assert (balance_of(patron, c), balance_of(patron, d)) == (100, 300)


def test_a_gold_member_first_in_line_is_seated_free(patron: Patron) -> None:
    a, b = with_points(patron, "c-a"), with_points(patron, "c-b")
    g = gold(patron, "g-1")
    first = patron.run(rsvp, RsvpTo(a, "tasting"))
    patron.run(rsvp, RsvpTo(b, "tasting"))
    waiting = patron.run(rsvp, RsvpTo(g, "tasting"))
    done = patron.run(cancel_rsvp, CancelRsvp(first.id, "tests"))
    assert done.promoted == (waiting.id,)
    [seated] = patron.read(member_rsvps, g)
    assert (seated.state, seated.points, seated.redemption_id) == ("attending", 0, None)
    assert balance_of(patron, g) == 50


def test_leaving_the_line_moves_the_others_up_and_frees_no_seat(patron: Patron) -> None:
    a, b, c, d = (with_points(patron, f"c-{i}") for i in range(4))
    _, _, third, fourth = (patron.run(rsvp, RsvpTo(m, "tasting")) for m in (a, b, c, d))
    done = patron.run(cancel_rsvp, CancelRsvp(third.id, "tests"))
    assert (done.state, done.promoted, done.skipped) == ("cancelled", (), ())
    assert patron.read(member_rsvps, d)[0].place_in_line == 1
    assert balance_of(patron, c) == 500
    assert patron.read(event_detail, "tasting").event.taken == 2
    # a cancelled RSVP cannot be cancelled again; c may RSVP again, at the end of the line
    with pytest.raises(RsvpNotActive):
        patron.run(cancel_rsvp, CancelRsvp(third.id, "tests"))
    again = patron.run(rsvp, RsvpTo(c, "tasting"))
    assert (again.state, again.place_in_line) == ("waiting", 2)
    assert fourth.id < again.id


def test_one_rsvp_per_member_and_none_once_the_event_began(patron: Patron, clock: Clock) -> None:
    a, b = with_points(patron, "c-a"), with_points(patron, "c-b")
    held = patron.run(rsvp, RsvpTo(a, "tasting"))
    with pytest.raises(RsvpExists) as twice:
        patron.run(rsvp, RsvpTo(a, "tasting"))
    assert twice.value.facts == {"rsvp_id": held.id}
    assert balance_of(patron, a) == 300  # the second RSVP spent nothing
    # when the event begins (17:00 UTC on 1 February), an RSVP and a cancellation close
    clock.now = datetime(2026, 2, 1, 16, 59, 59)
    patron.run(rsvp, RsvpTo(b, "tasting"))  # a second before: still open
    clock.now = datetime(2026, 2, 1, 17, 0)
    with pytest.raises(EventClosed):
        patron.run(rsvp, RsvpTo(with_points(patron, "c-late"), "tasting"))
    with pytest.raises(EventClosed):
        patron.run(cancel_rsvp, CancelRsvp(held.id, "tests"))
    assert balance_of(patron, a) == 300
    assert [e.reward_id for e in patron.read(upcoming_events)] == ["gala"]


def test_staff_check_in_an_attendee_once(patron: Patron, clock: Clock) -> None:
    a, b, c = (with_points(patron, f"c-{i}") for i in range(3))
    seat, _, line = (patron.run(rsvp, RsvpTo(m, "tasting")) for m in (a, b, c))
    clock.now = datetime(2026, 2, 1, 17, 30)  # at the door, the event has begun
    done = patron.run(check_in, CheckIn(seat.id, "cli:door"))
    assert (done.state, done.done_by, done.done_at) == ("attended", "cli:door", clock.now)
    with pytest.raises(RsvpNotActive):
        patron.run(check_in, CheckIn(seat.id, "cli:door"))
    with pytest.raises(RsvpNotActive):
        patron.run(check_in, CheckIn(line.id, "cli:door"))
    with patron.uow(readonly=True) as uow:
        actions = [x.action for x in uow.audit.for_member(a)]
    assert actions.count("event.checked_in") == 1
    # an attended seat still counts for the budget: b's and a's paid seats
    jan = [date(2026, 1, 1)]
    assert patron.read(lambda uow: rewards_redeemed(uow, jan)) == {jan[0]: Decimal("24.00")}


def test_an_event_with_seats_is_taken_only_by_rsvp(patron: Patron) -> None:
    a = with_points(patron, "c-a")
    with pytest.raises(RewardUnavailable, match="RSVP to it"):
        patron.run(redeem, Redeem(a, reward_id="tasting"))
    seat = patron.run(rsvp, RsvpTo(a, "tasting"))
    assert seat.redemption_id is not None
    with pytest.raises(Conflict, match="cancel the RSVP instead"):
        patron.run(cancel, CancelRedemption(seat.redemption_id, "tests"))
    assert balance_of(patron, a) == 300


def test_an_event_for_a_tier_refuses_the_others(patron: Patron) -> None:
    # given a Member with 500 points and a Gold member with 50 + 100 points
    m, g = with_points(patron, "c-m"), gold(patron, "g-1")
    patron.run(adjust, Adjust(g, 100, "test setup", "tests"))
    # then the gala (Gold only, 100 points, not free for anyone) refuses the Member
    with pytest.raises(RewardUnavailable, match="member is Member"):
        patron.run(rsvp, RsvpTo(m, "gala"))
    assert patron.run(rsvp, RsvpTo(g, "gala")).points == 100
    assert (balance_of(patron, m), balance_of(patron, g)) == (500, 50)
    with pytest.raises(NotFound):
        patron.run(rsvp, RsvpTo(g, "no-such-event"))
