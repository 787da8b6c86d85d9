"""Refunds (services/refund.py): the points of the returned lines taken back, own lot
first; a debt for what was already spent; order bonuses kept while a line is kept; the
money given back, line by line, to the cent.

Elsewhere: a refund's debt and its own lot as docs/ledger.md states them
(tests/integration/test_documented_rules.py); the allocation of money to lines, without a
store (tests/unit/test_refund_allocation.py); the events (tests/integration/
test_outbox_events.py); two refunds at once (tests/e2e/test_refund_race.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import Conflict, InvalidInput, NotFound
from patron.domain.program import Program
from patron.services.adjust import adjust
from patron.services.commands import Adjust, Redeem, Refund, ReturnLine
from patron.services.queries import balance
from patron.services.redeem import redeem
from patron.services.refund import refund
from tests.conftest import Clock, load_example, use_program
from tests.integration.helpers import assert_verified, balance_of, buy, lots_of, member

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Refunds"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR
welcome_bonus = 100
pending_days = 14           # points are spendable 14 days after the purchase

[expiry]
months = 24                 # a lot expires 24 months after it was earned
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def _member_row(patron: Patron, member_id: int) -> tuple[Decimal, int]:
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(member_id)
        assert found is not None
        return found.lifetime_spend, found.purchase_count


# --- points taken back ------------------------------------------------------------------


def test_refund_takes_back_the_points_of_the_returned_lines(patron: Patron, clock: Clock) -> None:
    # PROGRAM: 1 point per EUR, so 40 + 20 points earned on top of the 100 welcome points
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A1", None, 4, "10.00"), ("B1", None, 1, "20.00"))
    part = patron.run(refund, Refund(p.purchase_id, (ReturnLine(1, 1),)))
    assert part.points_taken_back == 10
    rest = patron.run(refund, Refund(p.purchase_id))
    assert rest.points_taken_back == 50
    assert balance_of(patron, mid) == 100
    with pytest.raises(Conflict):
        patron.run(refund, Refund(p.purchase_id))
    with pytest.raises(NotFound):
        patron.run(refund, Refund(999))


def test_a_refund_takes_back_its_own_purchases_lot_before_older_lots(
    patron: Patron, clock: Clock
) -> None:
    # PROGRAM: 1 point per EUR, welcome 100, 14 days pending, lots expire after 24 months
    # given lots W (welcome, 100, expiring 1 Jan 2028), P1 (o-1, 50, 11 Jan 2028),
    # P2 (o-2, two lines of 40, 31 Jan 2028), all spendable on 15 Feb 2026
    mid = member(patron)
    clock.advance(days=10)
    buy(patron, mid, "o-1", ("A", None, 1, "50.00"))
    clock.advance(days=20)
    o2 = buy(patron, mid, "o-2", ("B", None, 1, "40.00"), ("C", None, 1, "40.00"))
    clock.advance(days=15)
    [(w, _, w_expiry), (p1, _, p1_expiry), (p2, _, p2_expiry)] = lots_of(patron, mid)
    assert (w_expiry, p1_expiry, p2_expiry) == (
        datetime(2028, 1, 1, 9, 0),
        datetime(2028, 1, 11, 9, 0),
        datetime(2028, 1, 31, 9, 0),
    )
    # when one line of o-2 is returned
    first = patron.run(refund, Refund(o2.purchase_id, (ReturnLine(1, 1),)))
    # then its 40 points come out of o-2's own lot, though W and P1 expire sooner
    assert (first.points_taken_back, first.debt, first.balance) == (40, 0, 190)
    assert lots_of(patron, mid) == [(w, 100, w_expiry), (p1, 50, p1_expiry), (p2, 40, p2_expiry)]
    # given 300 points of goodwill (lot A, expiring 15 Feb 2028) and a redemption of 170
    # that spends W, P1 and 20 of P2 (closest to expiry first)
    patron.run(adjust, Adjust(mid, 300, "goodwill", "alice"))
    patron.run(redeem, Redeem(mid, points=170))
    [*_, (a, _, a_expiry)] = lots_of(patron, mid)
    assert lots_of(patron, mid) == [(p2, 20, p2_expiry), (a, 300, datetime(2028, 2, 15, 9, 0))]
    # when the other line of o-2 is returned
    second = patron.run(refund, Refund(o2.purchase_id, (ReturnLine(2, 1),)))
    # then the 20 points left in its own lot go first, the other 20 from lot A
    assert (second.points_taken_back, second.debt, second.balance) == (40, 0, 280)
    assert lots_of(patron, mid) == [(a, 280, a_expiry)]


def test_refund_of_spent_points_leaves_a_debt_settled_by_later_earnings(
    patron: Patron, clock: Clock
) -> None:
    # PROGRAM: 1 point per EUR, welcome 100, spendable after 14 days
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("TV", None, 1, "400.00"))
    clock.advance(days=15)
    patron.run(redeem, Redeem(mid, points=500))
    assert balance_of(patron, mid) == 0
    refunded = patron.run(refund, Refund(p.purchase_id))
    assert (refunded.points_taken_back, refunded.debt, refunded.balance) == (400, 400, 0)
    buy(patron, mid, "o-2", ("TV", None, 1, "300.00"))
    assert balance_of(patron, mid) == 0  # 300 went to the debt
    buy(patron, mid, "o-3", ("TV", None, 1, "150.00"))
    view = patron.read(balance, mid)
    assert (view.debt, view.total) == (0, 50)


def test_a_refund_of_spent_points_answers_its_purchase_member_and_debt_and_announces_it(
    patron: Patron, clock: Clock, program: Program
) -> None:
    # given 300 points (100 welcome + 200 on o-1), of which 250 are redeemed: 50 left
    mid = member(patron)
    o1 = buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    earned = int(Decimal("200.00") * program.earning.points_per_unit)
    left = program.earning.welcome_bonus + earned - 250
    clock.advance(days=program.earning.pending_days + 1)
    patron.run(redeem, Redeem(mid, points=250))
    # when o-1 is returned: its 200 points are taken back, 50 there and 150 owed
    back = patron.run(refund, Refund(o1.purchase_id, reason="broken"))
    assert (back.purchase_id, back.member_id, back.points_taken_back, back.debt, back.balance) == (
        o1.purchase_id,
        mid,
        earned,
        earned - left,
        0,
    )
    with patron.uow(readonly=True) as uow:
        [event] = [r for r in uow.outbox.for_member(mid) if r.type == "purchase.refunded"]
    assert dict(event.payload) == {
        "purchase_id": o1.purchase_id,
        "points_taken_back": earned,
        "debt": earned - left,
    }


# --- order bonuses ----------------------------------------------------------------------

MILESTONE_PROGRAM = """
name = "Milestones"
currency = "EUR"

[earning]
points_per_unit = 1

[[milestones]]
name = "Club"
kind = "cumulative_spend"
threshold = 300
bonus = 300
"""


def test_a_partly_returned_milestone_purchase_keeps_the_milestone_paid(patron: Patron) -> None:
    load_example(patron, MILESTONE_PROGRAM)
    mid = member(patron)
    crossing = buy(patron, mid, "o-1", ("A", None, 1, "200.00"), ("B", None, 1, "150.00"))
    assert crossing.points_earned == 350 + 300
    back = patron.run(refund, Refund(crossing.purchase_id, (ReturnLine(1, 1),)))
    assert back.points_taken_back == 200  # the bonus stays while a line is kept
    again = buy(patron, mid, "o-2", ("C", None, 1, "200.00"))  # 150 -> 350
    assert again.points_earned == 200


def test_a_fully_returned_milestone_purchase_lets_the_milestone_be_earned_again(
    patron: Patron,
) -> None:
    load_example(patron, MILESTONE_PROGRAM)
    mid = member(patron)
    crossing = buy(patron, mid, "o-1", ("A", None, 1, "350.00"))
    back = patron.run(refund, Refund(crossing.purchase_id))
    assert back.points_taken_back == 350 + 300  # the bonus goes back with the last line
    again = buy(patron, mid, "o-2", ("C", None, 1, "320.00"))
    assert again.points_earned == 320 + 300
    assert balance_of(patron, mid) == 620


# --- the lines returned and the money given back ----------------------------------------


def test_returning_two_lines_at_once_gives_back_both_amounts(patron: Patron) -> None:
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 2, "1.00"), ("B", None, 1, "1.00"))
    back = patron.run(refund, Refund(p.purchase_id, (ReturnLine(1, 2), ReturnLine(2, 1))))
    assert back.amount == Decimal("3.00")


def test_a_line_gives_back_its_own_amount_whatever_the_quantities_of_the_others(
    patron: Patron,
) -> None:
    # 2 x 1.00 and 1 x 1.00: the second line is a third of the purchase, 1.00
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 2, "1.00"), ("B", None, 1, "1.00"))
    assert patron.run(refund, Refund(p.purchase_id, (ReturnLine(2, 1),))).amount == Decimal("1.00")


def test_returning_nothing_of_a_line_is_refused(patron: Patron) -> None:
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 2, "1.00"))
    with pytest.raises(InvalidInput, match="quantity"):
        patron.run(refund, Refund(p.purchase_id, (ReturnLine(1, 0),)))


def test_a_return_naming_one_line_twice_is_refused_and_changes_nothing(
    patron: Patron, program: Program
) -> None:
    mid = member(patron)
    done = buy(patron, mid, "o-twice", ("A", None, 3, "10.00"))
    twice = (ReturnLine(1, 1), ReturnLine(1, 1))
    with pytest.raises(InvalidInput, match=r"lines\[1\]\.line_no: line 1 is named twice"):
        patron.run(refund, Refund(done.purchase_id, lines=twice))
    assert balance_of(patron, mid) == program.earning.welcome_bonus + done.points_earned


def _refunded_total(patron: Patron, purchase_id: int) -> Decimal:
    with patron.uow(readonly=True) as uow:
        row = uow.purchases.get(purchase_id)
        assert row is not None
        return Decimal(str(row.refunded_total)).quantize(Decimal("0.01"))


def test_three_lines_at_half_a_cent_refunded_one_by_one_give_back_the_0_02_paid(
    patron: Patron,
) -> None:
    mid = member(patron)
    p = buy(
        patron,
        mid,
        "o-1",
        ("A", None, 1, "0.005"),
        ("B", None, 1, "0.005"),
        ("C", None, 1, "0.005"),
    )
    assert p.total == Decimal("0.02")  # 0.015 half up
    amounts = [
        patron.run(refund, Refund(p.purchase_id, (ReturnLine(n, 1),))).amount for n in (1, 2, 3)
    ]
    # the two cents go to lines 1 and 2 (equal fractions: the earlier line first)
    assert amounts == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]
    assert _refunded_total(patron, p.purchase_id) == Decimal("0.02")
    assert _member_row(patron, mid) == (Decimal("0.00"), 1)
    assert_verified(patron)


def test_three_units_at_3_3333_refunded_one_at_a_time_give_back_10_00(patron: Patron) -> None:
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 3, "3.3333"))
    assert p.total == Decimal("10.00")  # 9.9999 half up
    amounts = [
        patron.run(refund, Refund(p.purchase_id, (ReturnLine(1, 1),))).amount for _ in range(3)
    ]
    assert amounts == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert _refunded_total(patron, p.purchase_id) == Decimal("10.00")
    assert _member_row(patron, mid) == (Decimal("0.00"), 1)
    assert_verified(patron)
