from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patron.domain.earning import (
    Line,
    MemberState,
    PurchaseFacts,
    amounts_problem,
    cost_of,
    points_to_take_back,
    score,
    validate_purchase,
)
from patron.domain.errors import InvalidInput
from patron.domain.program import parse_program

PROGRAM = parse_program("""
name = "Test"
currency = "EUR"
[earning]
points_per_unit = 1
rounding = "down"
[tiers]
[[tiers.levels]]
name = "Bronze"
[[tiers.levels]]
name = "Gold"
threshold = 1000
multiplier = 1.5
[categories]
books = 2
[[promotions]]
name = "March x2"
starts = 2026-03-01
ends = 2026-03-31
multiplier = 2
[[promotions]]
name = "Code"
starts = 2026-01-01
ends = 2026-12-31
bonus = 50
code = "HELLO"
[[milestones]]
name = "Third"
kind = "purchase_count"
threshold = 3
bonus = 30
[[milestones]]
name = "Big spender"
kind = "cumulative_spend"
threshold = 100
bonus = 70
""")

JAN = datetime(2026, 1, 10, 12)


def facts(*lines: Line, at: datetime = JAN, code: str | None = None) -> PurchaseFacts:
    return PurchaseFacts(at, "EUR", tuple(lines), code)


def test_base_points_are_a_share_of_spend_rounded_down() -> None:
    # given a line of 2 x 9.99
    earning = score(PROGRAM, MemberState("Bronze"), facts(Line("A", None, 2, Decimal("9.99"))))
    # then 19.98 EUR earns 19 points
    assert earning.points == 19
    assert [(b.rule, b.points) for b in earning.breakdown] == [("base", 19)]


def test_category_tier_and_promotion_multipliers_compound_and_sum_in_the_breakdown() -> None:
    line = Line("B", "books", 1, Decimal("10.00"))
    earning = score(PROGRAM, MemberState("Gold"), facts(line, at=datetime(2026, 3, 5)))
    # 10 base, x2 books = 20, x1.5 Gold = 30, x2 March = 60
    assert earning.points == 60
    assert sum(b.points for b in earning.breakdown) == 60
    rules = [b.rule for b in earning.breakdown]
    assert (
        rules[0] == "base" and any("books" in r for r in rules) and any("Gold" in r for r in rules)
    )


@pytest.mark.parametrize(
    ("at", "points"),
    [
        (datetime(2026, 2, 28, 23, 59), 10),  # the day before: base only
        (datetime(2026, 3, 1, 0, 0), 20),  # its first day counts: x2
        (datetime(2026, 3, 31, 23, 59), 20),  # and its last day
        (datetime(2026, 4, 1, 0, 0), 10),  # the day after: base only
    ],
)
def test_a_promotion_runs_from_its_first_day_to_its_last_both_included(
    at: datetime, points: int
) -> None:
    # "March x2": starts = 2026-03-01, ends = 2026-03-31; 10.00 EUR earns 10 base points
    line = Line("A", None, 1, Decimal("10.00"))
    assert score(PROGRAM, MemberState("Bronze"), facts(line, at=at)).points == points


def test_a_promotion_code_bonus_needs_the_code() -> None:
    line = Line("A", None, 1, Decimal("5"))
    assert score(PROGRAM, MemberState("Bronze"), facts(line)).points == 5
    assert score(PROGRAM, MemberState("Bronze"), facts(line, code="HELLO")).points == 55


def test_milestones_fire_once_when_crossed() -> None:
    line = Line("A", None, 1, Decimal("10"))
    third = score(PROGRAM, MemberState("Bronze", purchase_count=2), facts(line))
    fourth = score(PROGRAM, MemberState("Bronze", purchase_count=3), facts(line))
    assert third.points == 10 + 30 and third.bonus_points == 30
    assert fourth.points == 10
    crossing = score(PROGRAM, MemberState("Bronze", cumulative_spend=Decimal("95")), facts(line))
    assert crossing.bonus_points == 70


def test_a_purchase_in_another_currency_is_refused() -> None:
    with pytest.raises(InvalidInput, match="USD"):
        score(
            PROGRAM,
            MemberState("Bronze"),
            PurchaseFacts(JAN, "USD", (Line("A", None, 1, Decimal(1)),)),
        )


@given(
    line_points=st.integers(0, 10_000),
    quantity=st.integers(1, 50),
    data=st.data(),
)
def test_returning_a_line_in_steps_takes_back_exactly_what_it_earned(
    line_points: int, quantity: int, data: st.DataObject
) -> None:
    returned, taken = 0, 0
    while returned < quantity:
        step = data.draw(st.integers(1, quantity - returned))
        part = points_to_take_back(line_points, quantity, returned, step)
        assert part >= 0
        taken += part
        returned += step
    assert taken == line_points


def test_returning_more_than_was_bought_is_refused() -> None:
    with pytest.raises(InvalidInput):
        points_to_take_back(10, 2, 1, 2)


def test_cost_of_goods_is_known_only_when_every_line_has_a_unit_cost() -> None:
    known = [
        Line("A", None, 3, Decimal("10.00"), Decimal("4.005")),
        Line("B", None, 1, Decimal("5.00"), Decimal("2.50")),
    ]
    assert cost_of(known) == Decimal("14.52")  # 12.015 + 2.50, rounded to cents
    assert cost_of([*known, Line("C", None, 1, Decimal("1.00"))]) is None
    assert cost_of([]) == Decimal("0.00")


def test_a_purchase_over_the_stored_amount_names_its_total_or_its_cost() -> None:
    # at most 99,999,999,999.99 a purchase: 100,000 x 1,000,000.00 = 100,000,000,000.00 over
    over = Line("A", None, 100_000, Decimal("1000000.00"))
    assert amounts_problem([over]) == (
        "amount",
        "the lines total 100000000000.00, more than a purchase may (99999999999.99)",
    )
    costly = Line("A", None, 100_000, Decimal("1.00"), Decimal("1000000.00"))
    assert amounts_problem([costly]) == (
        "cost",
        "the lines' costs come to 100000000000.00, more than a purchase's may (99999999999.99)",
    )
    assert amounts_problem([Line("A", None, 1, Decimal("99999999999.99"))]) is None


def test_a_line_may_hold_the_most_units_and_cost_nothing_but_not_more() -> None:
    # 1,000,000 units of 0.01 (10,000.00), a unit cost of 0 and of half a cent are stored
    most = Line("A", None, 1_000_000, Decimal("0.01"), Decimal("0"))
    validate_purchase(PROGRAM, facts(most, Line("B", None, 1, Decimal("1"), Decimal("0.005"))))
    with pytest.raises(InvalidInput, match=r"^lines\[0\]\.quantity must be from 1 to 1000000$"):
        validate_purchase(PROGRAM, facts(Line("A", None, 1_000_001, Decimal("0.01"))))
