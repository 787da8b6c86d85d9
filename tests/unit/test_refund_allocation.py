"""Refund amounts: returning everything, in any order and split, gives back the total."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patron.domain.errors import InvalidInput
from patron.domain.refunds import amount_to_give_back, line_shares

CENT = Decimal("0.01")


def test_three_lines_at_half_a_cent_give_back_the_two_cents_they_cost() -> None:
    # 3 × 0.005 = 0.015, recorded as 0.02 (half up); the two cents go to lines 1 and 2
    shares = line_shares(Decimal("0.02"), [Decimal("0.005")] * 3)
    assert shares == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_three_units_at_3_3333_give_back_10_00_in_three_returns() -> None:
    # 3 × 3.3333 = 9.9999, recorded as 10.00: the line's share is all of it
    (share,) = line_shares(Decimal("10.00"), [Decimal("9.9999")])
    assert share == Decimal("10.00")
    returns = [amount_to_give_back(share, 3, before, 1) for before in range(3)]
    assert returns == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


def test_largest_fraction_gets_the_cent_left_over() -> None:
    # 0.004 + 0.003 + 0.0045 = 0.0115 -> 0.01: the line with 0.45 of a cent gets it
    shares = line_shares(Decimal("0.01"), [Decimal("0.004"), Decimal("0.003"), Decimal("0.0045")])
    assert shares == [Decimal("0.00"), Decimal("0.00"), Decimal("0.01")]


def test_no_line_gets_a_cent_more_than_its_amount_rounded_up() -> None:
    # 1.00 + 0.0025 + 0.0025 = 1.005 -> 1.01: line 1 keeps its 100 cents and the cent
    # left goes to line 2 (shared in proportion to 1.01, line 1's quota 100.4975 has the
    # largest remainder and would get 1.01, more than its 1.00)
    shares = line_shares(Decimal("1.01"), [Decimal("1.00"), Decimal("0.0025"), Decimal("0.0025")])
    assert shares == [Decimal("1.00"), Decimal("0.01"), Decimal("0.00")]


def test_a_total_other_than_the_lines_sum_is_shared_in_proportion() -> None:
    # a 10.00 total over lines worth 1 and 3: quotas 2.50 and 7.50
    assert line_shares(Decimal("10.00"), [Decimal(1), Decimal(3)]) == [
        Decimal("2.50"),
        Decimal("7.50"),
    ]


def test_returning_more_than_is_left_is_refused() -> None:
    with pytest.raises(InvalidInput, match="cannot return 2 more of a line of 3"):
        amount_to_give_back(Decimal("3.00"), 3, 2, 2)


prices = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False)
lines_st = st.lists(st.tuples(prices, st.integers(1, 6)), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(lines=lines_st, data=st.data())
def test_returning_every_unit_in_any_order_and_split_gives_back_exactly_the_total(
    lines: list[tuple[Decimal, int]], data: st.DataObject
) -> None:
    amounts = [price * qty for price, qty in lines]
    total = sum(amounts, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    shares = line_shares(total, amounts)
    assert sum(shares, Decimal(0)) == total
    for share, amount in zip(shares, amounts, strict=True):
        # never more than the line's amount rounded up to the cent, nor less than rounded down
        assert amount.quantize(CENT, ROUND_FLOOR) <= share <= amount.quantize(CENT, ROUND_CEILING)
    # return every unit, in steps of random size and random order of lines
    left = [qty for _, qty in lines]
    given_back = [Decimal(0)] * len(lines)
    while any(left):
        i = data.draw(st.sampled_from([n for n, q in enumerate(left) if q]))
        k = data.draw(st.integers(1, left[i]))
        qty = lines[i][1]
        step = amount_to_give_back(shares[i], qty, qty - left[i], k)
        assert step >= 0
        given_back[i] += step
        assert given_back[i] <= shares[i]
        left[i] -= k
    assert given_back == shares
    assert sum(given_back, Decimal(0)) == total


@settings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(prices, min_size=1, max_size=6),
    total=st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False),
)
def test_any_total_is_shared_out_to_the_cent(amounts: list[Decimal], total: Decimal) -> None:
    shares = line_shares(total, amounts)
    assert sum(shares, Decimal(0)) == total
    assert all(s >= 0 and s == s.quantize(CENT) for s in shares)
