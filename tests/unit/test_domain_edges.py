"""Domain rules that mutation testing found unguarded (docs/testing.md, "killed (tests added
this session)"): lots that a spend or a refund emptied, promotions that share a name or
follow one bound to another category, a tier the program no longer has (a reload may drop
or rename one; members keep the name until the re-evaluation), the empty qualifying
window, an unknown reward. Every expected figure is worked out in the comment beside it."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from patron.domain.earning import Line, MemberState, PurchaseFacts, score
from patron.domain.lots import Lot, allocate_spend, allocate_take_back, expired, expiring_soon
from patron.domain.program import parse_program
from patron.domain.tiers import on_activity, progress, window_value

NOW = datetime(2026, 6, 1, 9)


def lot(id_: int, remaining: int, expires: datetime | None) -> Lot:
    return Lot(id_, remaining, datetime(2026, 1, 1), datetime(2026, 1, 1), expires)


# --- lots a spend or a refund emptied (remaining 0) -------------------------------------


def test_an_emptied_lot_is_not_announced_as_expiring() -> None:
    # the lot expiring in 10 days was spent to 0: nothing of it burns, only the 50 of the
    # lot expiring in 20 days are announced
    emptied, full = lot(1, 0, NOW + timedelta(days=10)), lot(2, 50, NOW + timedelta(days=20))
    assert expiring_soon([emptied, full], NOW, 30) == [(date(2026, 6, 21), 50)]


def test_a_spend_takes_nothing_from_an_emptied_lot() -> None:
    # the emptied lot expires first; the 30 points come from the other lot alone
    emptied, full = lot(1, 0, NOW + timedelta(days=10)), lot(2, 50, NOW + timedelta(days=20))
    assert allocate_spend([emptied, full], 30, NOW) == [(2, 30)]


def test_a_refund_passes_over_its_own_emptied_lot() -> None:
    # the purchase's own lot was spent to 0: the 20 points come from the other lot, and
    # the own lot gets no allocation of 0
    own, other = lot(1, 0, NOW + timedelta(days=300)), lot(2, 30, NOW + timedelta(days=10))
    assert allocate_take_back([own, other], 20, {1}, NOW) == ([(2, 20)], 0)


def test_an_emptied_lot_past_its_date_burns_nothing() -> None:
    # two lots past their date: the emptied one gives no burn of 0, the other burns its 5
    gone_empty, gone = lot(1, 0, NOW - timedelta(days=1)), lot(2, 5, NOW - timedelta(days=1))
    assert expired([gone_empty, gone], NOW) == [(2, 5)]


# --- order bonuses ----------------------------------------------------------------------

PROMOS = parse_program("""
name = "Bonuses"
currency = "EUR"
[[promotions]]
name = "Toys bonus"
starts = 2026-01-01
ends = 2026-12-31
bonus = 10
categories = ["toys"]
[[promotions]]
name = "Launch"
starts = 2026-01-01
ends = 2026-12-31
bonus = 20
[[promotions]]
name = "Launch"
starts = 2026-01-01
ends = 2026-12-31
bonus = 20
categories = ["books"]
""")
AT = datetime(2026, 5, 5, 12)


def scored(line: Line) -> tuple[int, dict[str, int]]:
    result = score(PROMOS, MemberState("Member"), PurchaseFacts(AT, "EUR", (line,)))
    return result.points, {b.rule: b.points for b in result.breakdown}


def test_a_bonus_bound_to_another_category_does_not_stop_the_bonuses_after_it() -> None:
    # pens 10.00: 10 base; "Toys bonus" needs toys, "Launch" (+20) applies to any basket,
    # the books "Launch" needs books: 10 + 20
    assert scored(Line("P", "pens", 1, Decimal("10.00"))) == (
        30,
        {"base": 10, "promotion Launch +20": 20},
    )


def test_two_promotions_of_one_name_add_up_in_the_breakdown() -> None:
    # books 10.00: 10 base, both "Launch" promotions (+20 each) apply; their one rule in
    # the breakdown carries 40, so the breakdown still sums to the 50 points
    points, breakdown = scored(Line("B", "books", 1, Decimal("10.00")))
    assert (points, breakdown) == (50, {"base": 10, "promotion Launch +20": 40})
    assert sum(breakdown.values()) == points


# --- a tier the program no longer has ---------------------------------------------------

TIERS = parse_program("""
name = "Tiers"
currency = "EUR"
[[tiers.levels]]
name = "Bronze"
[[tiers.levels]]
name = "Silver"
threshold = 500
multiplier = 1.5
[[tiers.levels]]
name = "Gold"
threshold = 1500
multiplier = 2
[[rewards]]
id = "coffee"
name = "Coffee"
kind = "gift"
points = 150
""")


def test_a_member_on_a_dropped_tier_earns_at_the_first_levels_rate() -> None:
    # "Platinum" is not in the program: 100.00 EUR earns Bronze's 100 points, not
    # Silver's 150
    result = score(
        TIERS,
        MemberState("Platinum"),
        PurchaseFacts(AT, "EUR", (Line("A", None, 1, Decimal(100)),)),
    )
    assert (result.points, [b.rule for b in result.breakdown]) == (100, ["base"])


def test_progress_from_a_dropped_tier_counts_from_the_first_level() -> None:
    # "Platinum" ranks as the first level: with 100 qualifying, Silver (500) is next, 400 away
    step = progress(TIERS.tiers, "Platinum", Decimal(100))
    assert (step.next_tier, step.needed) == ("Silver", Decimal(400))


def test_a_purchase_moves_a_member_off_a_dropped_tier_only_by_reaching_above_the_first() -> None:
    # reaching only Bronze is no rise from a tier ranked as the first: the member keeps
    # "Platinum" until the re-evaluation; reaching Silver (600) is a rise
    assert on_activity(TIERS.tiers, "Platinum", Decimal(10)) == "Platinum"
    assert on_activity(TIERS.tiers, "Platinum", Decimal(600)) == "Silver"


# --- the empty qualifying window, an unknown reward -------------------------------------


def test_an_empty_window_is_worth_a_decimal_zero() -> None:
    # the balance view hands this value on as a Decimal (money or points, never an int)
    value = window_value([], NOW, 12)
    assert isinstance(value, Decimal) and value == Decimal(0)


def test_a_reward_the_program_does_not_have_is_none() -> None:
    # a reload compares each reward with the previous program's: a new id must find None
    assert TIERS.reward("coffee") is not None
    assert TIERS.reward("tea") is None


def test_progress_counts_from_the_members_own_tier_not_the_first() -> None:
    """A Silver member whose qualifying spend fell to 300 (returns, not yet re-evaluated)
    is 1,200 away from Gold, not 200 away from the Silver they already hold."""
    from tests.conftest import EXAMPLE_PROGRAM

    tiers = parse_program(EXAMPLE_PROGRAM.read_text()).tiers
    ahead = progress(tiers, "Silver", Decimal(300))
    assert (ahead.next_tier, ahead.needed) == ("Gold", Decimal(1200))


def test_spending_more_than_is_spendable_names_both_amounts() -> None:
    from patron.domain.errors import InsufficientPoints

    lot = Lot(1, 40, datetime(2026, 1, 1), datetime(2026, 1, 1), None)
    with pytest.raises(InsufficientPoints) as refused:
        allocate_spend([lot], 50, datetime(2026, 2, 1))
    assert (refused.value.requested, refused.value.available) == (50, 40)
