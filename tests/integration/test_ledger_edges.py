"""Ledger rules that mutation testing found unguarded (docs/testing.md), on both stores:
a one-point debt, an upgrade from the second tier to the top, refund amounts of several
lines and of lines of different quantities, a return of nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput
from patron.services.commands import Refund, ReturnLine
from patron.services.refund import refund
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")


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


