"""Ledger rules that mutation testing found unguarded (docs/testing.md), on both stores:
a one-point debt, an upgrade from the second tier to the top, refund amounts of several
lines and of lines of different quantities, a return of nothing."""

from __future__ import annotations

import pytest

from patron.bootstrap import Patron
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")


def test_a_silver_member_reaches_gold_on_the_purchase_that_crosses_its_threshold(
    patron: Patron,
) -> None:
    # the example program: Silver from 500 EUR, Gold from 1,500 EUR over 12 months
    mid = member(patron)
    assert buy(patron, mid, "o-1", ("TV", None, 1, "600.00")).tier == "Silver"
    assert buy(patron, mid, "o-2", ("TV", None, 1, "1000.00")).tier == "Gold"


