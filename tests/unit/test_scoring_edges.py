"""Scoring and lot rules that mutation testing found unguarded (docs/testing.md): rules that
apply to several lines or several promotions at once, multipliers and bonuses bound to a
category or a code, a tier worth exactly x2, points per unit other than 1, one-point lots,
thresholds met exactly. Every expected figure is worked out in the comment beside it."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from patron.domain.clock import to_utc_naive
from patron.domain.earning import Line, MemberState, PurchaseFacts, points_to_take_back, score
from patron.domain.errors import InvalidInput
from patron.domain.lots import Lot, allocate_take_back, expired, expiring_soon, is_live
from patron.domain.program import parse_program
from patron.domain.tiers import progress

PROGRAM = parse_program("""
name = "Edges"
currency = "EUR"
[earning]
points_per_unit = 2
rounding = "down"
[tiers]
[[tiers.levels]]
name = "Bronze"
[[tiers.levels]]
name = "Silver"
threshold = 500
multiplier = 2
[[tiers.levels]]
name = "Gold"
threshold = 1500
multiplier = 3
[categories]
books = 2
[[promotions]]
name = "Over"
starts = 2025-01-01
ends = 2025-12-31
multiplier = 5
[[promotions]]
name = "Toys x3"
starts = 2026-01-01
ends = 2026-12-31
multiplier = 3
categories = ["toys"]
[[promotions]]
name = "Secret x2"
starts = 2026-01-01
ends = 2026-12-31
multiplier = 2
code = "SECRET"
[[promotions]]
name = "Past bonus"
starts = 2025-01-01
ends = 2025-12-31
bonus = 1000
[[promotions]]
name = "Books bonus"
starts = 2026-01-01
ends = 2026-12-31
bonus = 40
categories = ["books"]
[[milestones]]
name = "Fourth"
kind = "purchase_count"
threshold = 4
bonus = 7
[[milestones]]
name = "Hundred"
kind = "cumulative_spend"
threshold = 100
bonus = 9
""")

AT = datetime(2026, 5, 5, 12)
BRONZE = MemberState("Bronze")


def earned(*lines: Line, member: MemberState = BRONZE, code: str | None = None):  # type: ignore[no-untyped-def]
    result = score(PROGRAM, member, PurchaseFacts(AT, "EUR", tuple(lines), code))
    return result.points, {b.rule: b.points for b in result.breakdown}


def test_points_per_unit_multiplies_the_spend() -> None:
    # 10.00 EUR at 2 points per euro: 20
    assert earned(Line("A", None, 1, Decimal("10.00"))) == (20, {"base": 20})


def test_a_rule_that_applies_to_several_lines_sums_them_in_the_breakdown() -> None:
    # books 10.00 and 5.00: base 20 + 10 = 30, x2 books adds 20 + 10 = 30; the books
    # bonus (+40) is paid once for the order
    points, breakdown = earned(
        Line("B1", "books", 1, Decimal("10.00")), Line("B2", "books", 1, Decimal("5.00"))
    )
    assert breakdown == {"base": 30, "category books x2": 30, "promotion Books bonus +40": 40}
    assert points == 100


def test_a_tier_worth_exactly_double_doubles() -> None:
    # Silver x2: 10.00 EUR -> 20 base + 20 tier
    points, breakdown = earned(Line("A", None, 1, Decimal("10.00")), member=MemberState("Silver"))
    assert (points, breakdown) == (40, {"base": 20, "tier Silver x2": 20})


def test_a_category_promotion_multiplies_only_its_category_after_a_lapsed_one() -> None:
    # "Over" (2025) does not apply, "Toys x3" does, to the toys line only:
    # toys 10.00 -> 20 x3 = 60; pens 10.00 -> 20
    points, breakdown = earned(
        Line("T", "toys", 1, Decimal("10.00")), Line("P", "pens", 1, Decimal("10.00"))
    )
    assert breakdown == {"base": 40, "promotion Toys x3 x3": 40}
    assert points == 80


def test_a_multiplier_promotion_with_a_code_needs_the_code() -> None:
    line = Line("A", None, 1, Decimal("10.00"))
    assert earned(line)[0] == 20
    # with the code: 20 x2 = 40
    assert earned(line, code="SECRET") == (40, {"base": 20, "promotion Secret x2 x2": 20})


def test_a_category_bonus_needs_its_category_in_the_basket_after_a_lapsed_bonus() -> None:
    # "Past bonus" (2025) does not apply; "Books bonus" needs a books line
    assert earned(Line("P", "pens", 1, Decimal("1.00"))) == (2, {"base": 2})
    points, breakdown = earned(Line("B", "books", 1, Decimal("1.00")))
    assert breakdown["promotion Books bonus +40"] == 40 and points == 2 + 2 + 40


def test_two_milestones_crossed_by_one_purchase_pay_both() -> None:
    # the fourth purchase (3 before) that also crosses 100 EUR (95 before): 7 + 9
    member = MemberState("Bronze", purchase_count=3, cumulative_spend=Decimal(95))
    result = score(PROGRAM, member, PurchaseFacts(AT, "EUR", (Line("A", None, 1, Decimal(10)),)))
    assert result.bonus_points == 16


def test_a_purchase_count_milestone_is_not_paid_a_purchase_early() -> None:
    # the third purchase (2 before) does not reach the "Fourth" milestone
    member = MemberState("Bronze", purchase_count=2)
    result = score(PROGRAM, member, PurchaseFacts(AT, "EUR", (Line("A", None, 1, Decimal(1)),)))
    assert result.bonus_points == 0


def test_a_free_line_is_scored_and_a_line_of_nothing_is_refused() -> None:
    assert earned(Line("Gift", None, 1, Decimal("0.00")))[0] == 0
    with pytest.raises(InvalidInput, match="quantity"):
        earned(Line("A", None, 0, Decimal("1.00")))


def test_returning_none_of_a_line_is_refused() -> None:
    with pytest.raises(InvalidInput, match="cannot return 0"):
        points_to_take_back(10, 2, 0, 0)


def test_progress_at_a_threshold_met_exactly_points_to_the_tier_after() -> None:
    # a Bronze member with exactly 500 (Silver's threshold) not yet moved: Gold needs 1000
    step = progress(PROGRAM.tiers, "Bronze", Decimal(500))
    assert (step.next_tier, step.needed) == ("Gold", Decimal(1000))
    assert progress(PROGRAM.tiers, "Gold", Decimal(2000)).needed == Decimal(0)


def test_an_aware_moment_is_stored_as_its_utc_time() -> None:
    bucharest = timezone(timedelta(hours=2))
    assert to_utc_naive(datetime(2026, 1, 1, 12, tzinfo=bucharest)) == datetime(2026, 1, 1, 10)
    assert to_utc_naive(datetime(2026, 1, 1, 12, tzinfo=UTC)) == datetime(2026, 1, 1, 12)


# --- lots holding a single point --------------------------------------------------------

NOW = datetime(2026, 6, 1)


def one_point(id_: int, expires: datetime) -> Lot:
    return Lot(id_, 1, datetime(2026, 1, 1), datetime(2026, 1, 1), expires)


def test_a_lot_of_one_point_is_live_expires_and_warns() -> None:
    soon = one_point(1, NOW + timedelta(days=3))
    assert is_live(soon, NOW)
    assert expiring_soon([soon], NOW, 30) == [(soon.expires_at.date(), 1)]  # type: ignore[union-attr]
    gone = one_point(2, NOW)
    assert expired([gone], NOW) == [(2, 1)]


def test_two_lots_expiring_the_same_day_warn_their_sum() -> None:
    day = NOW + timedelta(days=3)
    lots = [one_point(1, day), Lot(2, 4, NOW, NOW, day)]
    assert expiring_soon(lots, NOW, 30) == [(day.date(), 5)]


def test_a_lot_that_does_not_warn_does_not_stop_the_others() -> None:
    forever = Lot(1, 5, NOW, NOW, None)  # never expires: no warning
    far, near = one_point(2, NOW + timedelta(days=90)), one_point(3, NOW + timedelta(days=3))
    assert expiring_soon([forever, far, near], NOW, 30) == [(near.expires_at.date(), 1)]  # type: ignore[union-attr]


def test_a_refund_takes_its_own_one_point_lot_first_closest_to_expiry_first() -> None:
    own_later = one_point(1, NOW + timedelta(days=300))
    own_sooner = one_point(2, NOW + timedelta(days=100))
    other = Lot(3, 10, NOW, NOW, NOW + timedelta(days=10))
    taken, short = allocate_take_back([own_later, own_sooner, other], 2, {1, 2}, NOW)
    assert (taken, short) == ([(2, 1), (1, 1)], 0)
