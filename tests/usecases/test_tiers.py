"""Tiers (services/tiers.py): the upgrade a purchase brings at once (`upgrade_tier`, run
by the earn) and the periodic re-evaluation that moves members both ways
(`reevaluate_tiers`), on the window of qualifying activity that ends at their date.

Elsewhere: the qualification rules without a store (tests/unit/test_tiers.py,
tests/unit/test_qualifying_windows.py); the tier rules as docs/program.md states them
(tests/integration/test_documented_rules.py); the events (tests/integration/
test_outbox_events.py); the member row written once (tests/integration/
test_member_row_writes.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.program import Program
from patron.services.commands import ReevaluateTiers, Refund, ReturnLine
from patron.services.queries import balance
from patron.services.refund import refund
from patron.services.tiers import reevaluate_tiers
from tests.conftest import Clock, load_example, use_program
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Tiers"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR
welcome_bonus = 100         # points, which qualify for no tier

[tiers]
basis = "spend"             # what qualifies: EUR spent, net of refunds
window_months = 12          # over the 12 months that end at the date

  [[tiers.levels]]
  name = "Bronze"
  threshold = 0
  multiplier = 1

  [[tiers.levels]]
  name = "Silver"
  threshold = 500
  multiplier = 1.25         # Silver members earn x1.25

  [[tiers.levels]]
  name = "Gold"
  threshold = 1500
  multiplier = 1.5

[categories]
books = 2
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def program_with(old: str, new: str) -> str:
    assert PROGRAM.count(old) == 1, old
    return PROGRAM.replace(old, new)


# --- the upgrade a purchase brings -------------------------------------------------------


def test_a_big_purchase_upgrades_the_tier_at_once(patron: Patron) -> None:
    # PROGRAM: Silver from 500 EUR spent, 1 point per EUR
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", "electronics", 1, "600.00"))
    second = buy(patron, mid, "o-2", ("TV", "electronics", 1, "100.00"))
    assert second.tier == "Silver"
    assert second.points_earned == 125  # Silver earns x1.25


def test_a_silver_member_reaches_gold_on_the_purchase_that_crosses_its_threshold(
    patron: Patron,
) -> None:
    # PROGRAM: Silver from 500 EUR, Gold from 1,500 EUR over 12 months
    mid = member(patron)
    assert buy(patron, mid, "o-1", ("TV", None, 1, "600.00")).tier == "Silver"
    assert buy(patron, mid, "o-2", ("TV", None, 1, "1000.00")).tier == "Gold"


def test_an_upgrade_on_purchase_dates_the_tier_from_the_purchase(
    patron: Patron, clock: Clock
) -> None:
    # enrolled 2026-01-01; on 2026-01-11 a purchase of 2026-01-05 (600 EUR) is uploaded
    mid = member(patron)
    clock.now = datetime(2026, 1, 11, 9)
    done = buy(patron, mid, "o-1", ("X", None, 1, "600.00"), at=datetime(2026, 1, 5, 12))
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(mid)
    assert found is not None
    assert (done.tier, found.tier, found.tier_since) == (
        "Silver",
        "Silver",
        datetime(2026, 1, 5, 12),
    )


def test_a_points_basis_qualifies_on_points_not_spend(patron: Patron) -> None:
    # tiers on points: Silver from 500 points; 300.00 EUR of books earn 300 x2 = 600
    # points, so the purchase lifts the member to Silver though they spent 300 EUR
    load_example(patron, program_with('basis = "spend"', 'basis = "points"'))
    mid = member(patron)
    assert buy(patron, mid, "o-1", ("B", "books", 1, "300.00")).tier == "Silver"
    view = patron.read(balance, mid)
    assert (view.qualifying, view.next_tier, view.needed_for_next_tier) == (
        Decimal(600),
        "Gold",
        Decimal(900),
    )


# --- the window of qualifying activity ---------------------------------------------------


def _tier(patron: Patron, member_id: int) -> str:
    return patron.read(balance, member_id).tier


def test_a_late_upload_is_qualified_on_windows_that_hold_it_not_on_later_purchases(
    patron: Patron, clock: Clock
) -> None:
    # given: now 2026-06-01, 300 EUR bought today
    clock.now = datetime(2026, 6, 1, 9, 0)
    mid = member(patron, enrolled_at=datetime(2025, 1, 1))
    buy(patron, mid, "o-now", ("TV", None, 1, "300.00"))
    # when: a purchase of 2025-05-01 is uploaded late: its window 2024-05-01 .. 2025-05-01
    # holds 300; the window ending today starts 2025-06-01 and does not reach it
    late = buy(patron, mid, "o-late", ("TV", None, 1, "300.00"), at=datetime(2025, 5, 1, 12))
    # then: no window of 12 months ever held 500 EUR
    assert late.tier == "Bronze"
    assert _tier(patron, mid) == "Bronze"
    assert patron.read(balance, mid).qualifying == Decimal("300.00")


def test_a_late_upload_upgrades_when_a_later_window_holding_it_reaches_the_threshold(
    patron: Patron, clock: Clock
) -> None:
    clock.now = datetime(2026, 6, 1, 9, 0)
    mid = member(patron, enrolled_at=datetime(2025, 1, 1))
    buy(patron, mid, "o-now", ("TV", None, 1, "300.00"))
    # 250 dated 2026-03-01: its own window holds 250, the window ending today 550
    late = buy(patron, mid, "o-late", ("TV", None, 1, "250.00"), at=datetime(2026, 3, 1, 12))
    assert (late.tier, late.points_earned) == ("Silver", 250)  # scored at Bronze
    assert _tier(patron, mid) == "Silver"


def test_the_balance_does_not_count_a_purchase_dated_ahead_of_now(
    patron: Patron, clock: Clock
) -> None:
    mid = member(patron)  # now 2026-01-01 09:00
    buy(patron, mid, "o-1", ("TV", None, 1, "100.00"), at=datetime(2026, 1, 1, 20, 0))
    view = patron.read(balance, mid)
    assert (view.qualifying, view.next_tier, view.needed_for_next_tier) == (0, "Silver", 500)
    clock.advance(hours=12)
    view = patron.read(balance, mid)
    assert (view.qualifying, view.needed_for_next_tier) == (Decimal("100.00"), 400)


# --- the re-evaluation -------------------------------------------------------------------


def test_reevaluation_downgrades_members_whose_window_emptied(patron: Patron) -> None:
    # PROGRAM: Silver from 500 EUR spent over the last 12 months
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", None, 1, "700.00"))
    assert patron.read(balance, mid).tier == "Silver"
    report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(datetime(2027, 6, 1)))
    assert report.downgraded == 1
    assert patron.read(balance, mid).tier == "Bronze"


def test_reevaluation_as_of_a_past_date_ignores_purchases_made_after_it(
    patron: Patron, clock: Clock
) -> None:
    # given: 600 EUR on 2026-01-01 (Silver), then 500 EUR on 2027-01-15
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", None, 1, "600.00"))
    clock.now = datetime(2027, 1, 15, 9, 0)
    assert buy(patron, mid, "o-2", ("TV", None, 1, "500.00")).tier == "Silver"
    # when: re-qualified on the window 2026-01-10 .. 2027-01-10, which holds no purchase
    report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(datetime(2027, 1, 10)))
    # then: down to Bronze; the 500 of 2027-01-15 is after the window's end
    assert (report.members, report.upgraded, report.downgraded) == (1, 0, 1)
    assert _tier(patron, mid) == "Bronze"


def test_reevaluation_counts_each_rise_and_fall_past_members_who_stay(
    patron: Patron, clock: Clock
) -> None:
    # given, on 2026-01-01: A spends 100 (Bronze); B 600 (Silver), all of it returned;
    # C 1000 + 600 (Gold), the 1000 returned; D 300 and E 400 (Bronze)
    start = clock.now
    ids = [member(patron, name) for name in "ABCDE"]
    a, b, c, d, e = ids
    buy(patron, a, "o-a", ("X", None, 1, "100.00"))
    patron.run(refund, Refund(buy(patron, b, "o-b", ("X", None, 1, "600.00")).purchase_id))
    gold = buy(patron, c, "o-c", ("X", None, 1, "1000.00"), ("Y", None, 1, "600.00"))
    patron.run(refund, Refund(gold.purchase_id, (ReturnLine(1, 1),)))
    buy(patron, d, "o-d", ("X", None, 1, "300.00"))
    buy(patron, e, "o-e", ("X", None, 1, "400.00"))
    # and Silver now starts at 250
    load_example(patron, program_with("threshold = 500", "threshold = 250"))
    # when re-evaluated on 2026-01-02
    as_of = datetime(2026, 1, 2)
    report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(as_of))
    # then A stays Bronze; B falls to Bronze, C to Silver; D and E rise to Silver
    assert (report.members, report.upgraded, report.downgraded) == (5, 2, 2)
    with patron.uow(readonly=True) as uow:
        after = [uow.members.get(i) for i in ids]
    assert [(m.tier, m.tier_since) for m in after if m] == [
        ("Bronze", start),
        ("Bronze", as_of),
        ("Silver", as_of),
        ("Silver", as_of),
        ("Silver", as_of),
    ]


def test_a_member_on_a_dropped_tier_requalified_at_the_first_level_counts_as_a_fall(
    patron: Patron,
) -> None:
    # given a member at Bronze, and a program that renames Bronze "Basic": "Bronze" ranks
    # as the first level (as for scoring and progress), and only a move to a higher rank
    # counts as a rise
    mid = member(patron)
    load_example(patron, program_with('name = "Bronze"', 'name = "Basic"'))
    report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(datetime(2026, 1, 2)))
    assert (report.members, report.upgraded, report.downgraded) == (1, 0, 1)
    assert patron.read(balance, mid).tier == "Basic"
