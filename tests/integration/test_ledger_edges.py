"""Ledger rules that mutation testing found unguarded (docs/testing.md), on both stores:
a one-point debt, an upgrade from the second tier to the top, refund amounts of several
lines and of lines of different quantities, a return of nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput
from patron.services.commands import Redeem, Refund, ReturnLine
from patron.services.queries import balance
from patron.services.redeem import redeem
from patron.services.refund import refund
from tests.conftest import Clock
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")


def test_a_debt_of_one_point_is_settled_by_the_next_point_earned(
    patron: Patron, clock: Clock
) -> None:
    # given: 400 points spent, then their purchase returned: a debt of 400
    mid = member(patron)
    tv = buy(patron, mid, "o-1", ("TV", None, 1, "400.00"))
    clock.advance(days=15)
    patron.run(redeem, Redeem(mid, points=500))
    assert patron.run(refund, Refund(tv.purchase_id)).debt == 400
    # and 399 points earned: 1 point still owed
    buy(patron, mid, "o-2", ("TV", None, 1, "399.00"))
    assert patron.read(balance, mid).debt == 1
    # when one more point is earned
    buy(patron, mid, "o-3", ("Pen", None, 1, "1.00"))
    # then it pays the last point of the debt
    view = patron.read(balance, mid)
    assert (view.debt, view.total) == (0, 0)


def test_a_silver_member_reaches_gold_on_the_purchase_that_crosses_its_threshold(
    patron: Patron,
) -> None:
    # the example program: Silver from 500 EUR, Gold from 1,500 EUR over 12 months
    mid = member(patron)
    assert buy(patron, mid, "o-1", ("TV", None, 1, "600.00")).tier == "Silver"
    assert buy(patron, mid, "o-2", ("TV", None, 1, "1000.00")).tier == "Gold"


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


def test_a_purchase_carrying_a_promotion_code_earns_its_bonus(patron: Patron, clock: Clock) -> None:
    # "Spring code" (April 2026, code SPRING26): +50 on 10.00 EUR, 10 base points
    clock.now = datetime(2026, 4, 20, 9)
    mid = member(patron)
    april = datetime(2026, 4, 10, 12)
    with_code = buy(patron, mid, "o-1", ("A", None, 1, "10.00"), at=april, code="SPRING26")
    without = buy(patron, mid, "o-2", ("A", None, 1, "10.00"), at=april)
    assert (with_code.points_earned, without.points_earned) == (60, 10)
