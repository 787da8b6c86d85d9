"""Pure rules behind issue 9's points 16 and 18: the tier window's bounds, the windows a
late purchase is judged on, and a milestone paid once per member."""

from datetime import datetime
from decimal import Decimal

from patron.domain.earning import (
    Line,
    MemberState,
    PurchaseFacts,
    milestone_named,
    milestone_rule,
    score,
)
from patron.domain.program import Milestone, MilestoneKind, Program
from patron.domain.tiers import best_window, window_value

D = Decimal


def test_a_window_holds_its_start_and_its_end_and_nothing_after() -> None:
    history = [
        (datetime(2025, 2, 27, 23, 59), D(1)),  # before the start
        (datetime(2025, 2, 28, 0, 0), D(10)),  # the start: 2026-02-28 - 12 months
        (datetime(2026, 2, 28, 0, 0), D(100)),  # the end
        (datetime(2026, 2, 28, 0, 1), D(1000)),  # after the end
    ]
    assert window_value(history, datetime(2026, 2, 28), 12) == D(110)


def test_a_window_ending_on_a_short_months_end_starts_on_the_clipped_day() -> None:
    # 2026-03-31 - 1 month = 2026-02-28
    history = [(datetime(2026, 2, 27), D(1)), (datetime(2026, 2, 28), D(10))]
    assert window_value(history, datetime(2026, 3, 31), 1) == D(10)


def test_a_late_purchase_is_judged_on_the_windows_that_hold_it() -> None:
    now = datetime(2026, 6, 1, 9)
    today = (now, D(300))
    # 2025-05-01: the window ending today starts 2025-06-01 09:00 and misses it
    old = (datetime(2025, 5, 1, 12), D(300))
    assert best_window([old, today], old[0], now, 12) == D(300)
    # 2026-03-01: the window ending today holds both
    recent = (datetime(2026, 3, 1, 12), D(250))
    assert best_window([recent, today], recent[0], now, 12) == D(550)
    # a purchase dated after now is no window's end yet
    ahead = (datetime(2026, 6, 1, 20), D(300))
    assert best_window([recent, ahead], recent[0], now, 12) == D(250)


CLUB = Milestone(
    name="1000 + club", kind=MilestoneKind.CUMULATIVE_SPEND, threshold=D(300), bonus=300
)
PROGRAM = Program(name="P", currency="EUR", milestones=[CLUB])
CROSSING = PurchaseFacts(datetime(2026, 1, 1), "EUR", (Line("A", None, 1, D(100)),))


def test_a_milestone_rule_names_its_milestone_even_with_a_plus_in_the_name() -> None:
    assert milestone_rule(CLUB) == "milestone 1000 + club +300"
    assert milestone_named(milestone_rule(CLUB)) == "1000 + club"
    assert milestone_named("promotion Spring code +50") is None
    assert milestone_named("base") is None


def test_a_milestone_already_paid_is_not_paid_again() -> None:
    fresh = score(PROGRAM, MemberState("Member", cumulative_spend=D(250)), CROSSING)
    assert (fresh.points, fresh.bonus_points) == (100 + 300, 300)
    held = MemberState("Member", cumulative_spend=D(250), milestones_paid=frozenset({CLUB.name}))
    again = score(PROGRAM, held, CROSSING)
    assert (again.points, again.bonus_points, [b.rule for b in again.breakdown]) == (
        100,
        0,
        ["base"],
    )


def test_a_later_window_that_starts_exactly_at_a_late_purchase_holds_it() -> None:
    # a purchase of 60 uploaded late, dated 2025-03-10; the member's next purchase (60)
    # is dated 2026-03-10, whose 12-month window starts exactly at 2025-03-10: that window
    # holds both, 120; the window ending at the late purchase itself holds only 60
    late, later = datetime(2025, 3, 10, 12), datetime(2026, 3, 10, 12)
    history = [(late, D(60)), (later, D(60))]
    assert best_window(history, late, later, 12) == D(120)
    # one second later the next purchase's window no longer reaches back to it
    history = [(late, D(60)), (later.replace(second=1), D(60))]
    assert best_window(history, late, later.replace(second=1), 12) == D(60)
