"""The outbox events of vouchers, RSVPs, clubs and referrals (domain/events.py), which
webhook subscribers receive: each use case writes its event, to the member it concerns,
with exactly these payload fields. Both stores.

The tests' clock stands at 2026-01-01 09:00. Elsewhere: the events of enroll, earn, refund,
redeem, adjust and expire (tests/integration/test_outbox_events.py); their delivery
(tests/integration/test_webhooks.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from patron.bootstrap import Patron
from patron.domain.clubs import Step
from patron.domain.earning import Line
from patron.domain.purchases import ReturnLine
from patron.services.adjust import adjust
from patron.services.clubs import ClubStep, evaluate_club, step
from patron.services.commands import (
    Adjust,
    CancelRedemption,
    Enroll,
    MemberRef,
    RecordPurchase,
    Redeem,
    Refund,
)
from patron.services.earn import record_purchase
from patron.services.enroll import enroll
from patron.services.events import CancelRsvp, CheckIn, RsvpTo, cancel_rsvp, check_in, rsvp
from patron.services.fulfil import HandOver, UseVoucher, hand_over, use
from patron.services.redeem import cancel, redeem
from patron.services.refund import refund
from tests.conftest import use_program
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")

Announced = list[tuple[str, dict[str, Any]]]


def announced(patron: Patron, member_id: int, *areas: str) -> Announced:
    """The member's outbox events of the given areas (`voucher`, `rsvp`, …), in order."""
    with patron.uow(readonly=True) as uow:
        rows = uow.outbox.for_member(member_id)
    assert all(r.member_id == member_id for r in rows)
    return [(r.type, r.payload) for r in rows if r.type.split(".")[0] in areas]


def with_points(patron: Patron, external_id: str, points: int) -> int:
    mid = member(patron, external_id)
    if points:
        patron.run(adjust, Adjust(mid, points, "test setup", "tests"))
    return mid


VOUCHERS = """
name = "Vouchers"
currency = "EUR"

[earning]
points_per_unit = 1

[[rewards]]
id = "five-off"
name = "5 EUR off"
kind = "discount"
points = 500
value = 5.00
voucher_days = 10

[[rewards]]
id = "mug"
name = "A mug"
kind = "gift"
points = 200

[[rewards]]
id = "trees"
name = "Plant a tree"
kind = "cause"
points = 100
"""


def test_vouchers_announce_their_issue_use_hand_over_and_cancellation(patron: Patron) -> None:
    # given a member with 1,500 points and the program above
    use_program(patron, VOUCHERS)
    mid = with_points(patron, "c-1", 1500)
    # when they redeem 5 EUR off and use it at sale s-1 (twice: the till asks again)
    off = patron.run(redeem, Redeem(mid, reward_id="five-off"))
    assert off.voucher is not None
    patron.run(use, UseVoucher(off.voucher.code, "s-1", "till"))
    patron.run(use, UseVoucher(off.voucher.code, "s-1", "till"))
    # and redeem a mug, handed over; another 5 EUR off, cancelled; a tree (no voucher)
    mug = patron.run(redeem, Redeem(mid, reward_id="mug"))
    patron.run(hand_over, HandOver(mug.redemption_id, "staff"))
    again = patron.run(redeem, Redeem(mid, reward_id="five-off"))
    patron.run(cancel, CancelRedemption(again.redemption_id, "changed mind", "staff"))
    patron.run(redeem, Redeem(mid, reward_id="trees"))
    # then: one event per step, the repeated use none, the cause none; a discount expires
    # 10 days after 2026-01-01 09:00, a gift never
    r1, r2, r3 = off.redemption_id, mug.redemption_id, again.redemption_id
    five = {"reward_id": "five-off", "kind": "discount"}
    gift = {"reward_id": "mug", "kind": "gift"}
    assert announced(patron, mid, "voucher") == [
        ("voucher.issued", {"redemption_id": r1, **five, "expires_at": "2026-01-11T09:00:00"}),
        ("voucher.used", {"redemption_id": r1, **five, "transaction_id": "s-1"}),
        ("voucher.issued", {"redemption_id": r2, **gift, "expires_at": None}),
        ("voucher.handed_over", {"redemption_id": r2, **gift}),
        ("voucher.issued", {"redemption_id": r3, **five, "expires_at": "2026-01-11T09:00:00"}),
        ("voucher.cancelled", {"redemption_id": r3, **five}),
    ]


EVENTS = """
name = "Events"
currency = "EUR"

[earning]
points_per_unit = 1

[[rewards]]
id = "tasting"
name = "Wine tasting"
kind = "event"
points = 200
starts_at = 2026-02-01T18:00:00Z
capacity = 1
"""


def test_rsvps_announce_seats_the_waiting_list_promotions_skips_cancellations_and_check_ins(
    patron: Patron,
) -> None:
    # given one seat at 200 points; a and b with 500 points, p with none
    use_program(patron, EVENTS)
    a, p, b = (
        with_points(patron, "a", 500),
        with_points(patron, "p", 0),
        with_points(patron, "b", 500),
    )
    # when a takes the seat, p and b wait (1st and 2nd in line), a cancels: p cannot pay
    # and is skipped, b is seated from the line and checked in at the door
    seat = patron.run(rsvp, RsvpTo(a, "tasting"))
    poor = patron.run(rsvp, RsvpTo(p, "tasting"))
    line = patron.run(rsvp, RsvpTo(b, "tasting"))
    patron.run(cancel_rsvp, CancelRsvp(seat.id, "staff", "ill"))
    patron.run(check_in, CheckIn(line.id, "door"))
    # then
    event = {"reward_id": "tasting"}
    assert announced(patron, a, "rsvp") == [
        ("rsvp.seated", {"rsvp_id": seat.id, **event, "points": 200}),
        ("rsvp.cancelled", {"rsvp_id": seat.id, **event, "was": "attending"}),
    ]
    [waited, skipped] = announced(patron, p, "rsvp")
    assert waited == ("rsvp.waitlisted", {"rsvp_id": poor.id, **event, "place_in_line": 1})
    assert skipped[0] == "rsvp.skipped"
    assert set(skipped[1]) == {"rsvp_id", "reward_id", "reason"}
    assert (skipped[1]["rsvp_id"], skipped[1]["reward_id"]) == (poor.id, "tasting")
    assert skipped[1]["reason"].startswith("insufficient_points: ")
    assert announced(patron, b, "rsvp") == [
        ("rsvp.waitlisted", {"rsvp_id": line.id, **event, "place_in_line": 2}),
        ("rsvp.promoted", {"rsvp_id": line.id, **event, "points": 200}),
        ("rsvp.checked_in", {"rsvp_id": line.id, **event}),
    ]


def test_a_waiting_rsvp_cancelled_announces_what_it_was(patron: Patron) -> None:
    use_program(patron, EVENTS)
    a, b = with_points(patron, "a", 500), with_points(patron, "b", 500)
    patron.run(rsvp, RsvpTo(a, "tasting"))
    line = patron.run(rsvp, RsvpTo(b, "tasting"))
    patron.run(cancel_rsvp, CancelRsvp(line.id, "member:b"))
    assert announced(patron, b, "rsvp")[-1] == (
        "rsvp.cancelled",
        {"rsvp_id": line.id, "reward_id": "tasting", "was": "waiting"},
    )


CLUBS = """
name = "Clubs"
currency = "EUR"

[earning]
points_per_unit = 1

[[clubs]]
id = "kids"
name = "Kids club"
join = "rule"

  [clubs.rule]
  category = "kids"
  min_spend = 200
  window_months = 12

[[clubs]]
id = "wine"
name = "Wine circle"
join = "invitation"
"""


def test_clubs_announce_joins_and_leaves_not_invitations(patron: Patron) -> None:
    # given the program above; a member invited to the wine circle who accepts, then is
    # removed; another who spends 200 EUR on kids and is admitted by the rule
    use_program(patron, CLUBS)
    wine, kid = member(patron, "w"), member(patron, "k")
    ref = MemberRef(id=wine)
    patron.run(step, ClubStep("wine", ref, Step.INVITE, "staff"))
    patron.run(step, ClubStep("wine", ref, Step.ACCEPT, f"member:{wine}"))
    patron.run(step, ClubStep("wine", ref, Step.REMOVE, "staff", "moved away"))
    buy(patron, kid, "o-1", ("K", "kids", 1, "200.00"))
    patron.run(evaluate_club, "kids")
    # then: joined and left, with who did it; the invitation is no event
    assert announced(patron, wine, "club") == [
        ("club.joined", {"club_id": "wine", "actor": f"member:{wine}"}),
        ("club.left", {"club_id": "wine", "actor": "staff"}),
    ]
    assert announced(patron, kid, "club") == [("club.joined", {"club_id": "kids", "actor": "rule"})]


REFERRALS = """
name = "Referrals"
currency = "EUR"

[earning]
points_per_unit = 1
pending_days = 14

[referrals]
bonus = 200
friend_bonus = 150
min_purchase = 30.00
"""


def test_referrals_announce_the_rewards_and_their_taking_back_to_both_sides(
    patron: Patron,
) -> None:
    # given a referrer and a friend who enrolled with their code
    use_program(patron, REFERRALS)
    referrer = patron.run(enroll, Enroll("r")).member
    friend = patron.run(enroll, Enroll("f", referral_code=referrer.referral_code)).member.id
    # when the friend's first purchase of 40.00 EUR qualifies, and is returned whole the
    # next moment (within its 14 days)
    bought = patron.run(
        record_purchase,
        RecordPurchase(
            MemberRef(id=friend),
            "o-1",
            patron.clock(),
            "EUR",
            (Line("A", None, 1, Decimal("40.00")),),
        ),
    )
    patron.run(refund, Refund(bought.purchase_id, (ReturnLine(1, 1),), "returned"))
    # then each side hears of its own reward (200 and 150) and of its taking back
    with patron.uow(readonly=True) as uow:
        [referral] = uow.referrals.of_referrer(referrer.id)
    paid = {"referral_id": referral.id, "purchase_id": bought.purchase_id}
    assert announced(patron, referrer.id, "referral") == [
        ("referral.rewarded", {**paid, "role": "referrer", "points": 200}),
        ("referral.taken_back", {**paid, "role": "referrer", "points": 200}),
    ]
    assert announced(patron, friend, "referral") == [
        ("referral.rewarded", {**paid, "role": "friend", "points": 150}),
        ("referral.taken_back", {**paid, "role": "friend", "points": 150}),
    ]
