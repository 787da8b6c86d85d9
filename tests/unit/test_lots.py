from datetime import datetime

import pytest

from patron.domain.errors import InsufficientPoints
from patron.domain.lots import (
    Lot,
    add_months,
    allocate_spend,
    allocate_take_back,
    expired,
    expiring_soon,
    pending_by_day,
    pending_points,
    spendable_points,
)

NOW = datetime(2026, 6, 1)


def lot(
    id_: int, remaining: int, earned: str, expires: str | None, available: str | None = None
) -> Lot:
    return Lot(
        id_,
        remaining,
        datetime.fromisoformat(earned),
        datetime.fromisoformat(available or earned),
        datetime.fromisoformat(expires) if expires else None,
    )


LOTS = [
    lot(1, 100, "2026-01-01", "2027-01-01"),
    lot(2, 50, "2026-02-01", "2026-07-01"),  # closest to expiry: spent first
    lot(3, 70, "2026-05-25", "2028-05-25", available="2026-06-08"),  # still pending
    lot(4, 30, "2025-01-01", "2026-05-01"),  # already expired
    lot(5, 20, "2026-03-01", None),  # never expires: spent last
]


def test_spendable_excludes_pending_and_expired_lots() -> None:
    assert spendable_points(LOTS, NOW) == 100 + 50 + 20


def test_spending_takes_the_points_closest_to_expiry_first() -> None:
    assert allocate_spend(LOTS, 120, NOW) == [(2, 50), (1, 70)]
    assert allocate_spend(LOTS, 170, NOW) == [(2, 50), (1, 100), (5, 20)]


def test_spending_more_than_spendable_is_refused_whole() -> None:
    with pytest.raises(InsufficientPoints) as info:
        allocate_spend(LOTS, 171, NOW)
    assert info.value.available == 170


def test_take_back_starts_with_the_purchases_own_lot_and_reports_the_shortfall() -> None:
    allocations, shortfall = allocate_take_back(LOTS, 300, own={3}, now=NOW)
    assert allocations[0] == (3, 70)
    assert sum(p for _, p in allocations) == 240  # expired lot 4 is not taken
    assert shortfall == 60


def test_expired_lots_burn_whole() -> None:
    assert expired(LOTS, NOW) == [(4, 30)]
    assert expired(LOTS, datetime(2026, 7, 1)) == [(2, 50), (4, 30)]


def test_expiring_soon_groups_by_day() -> None:
    assert expiring_soon(LOTS, NOW, 45) == [(datetime(2026, 7, 1).date(), 50)]


def test_pending_points_are_grouped_by_the_day_they_become_spendable() -> None:
    lots = [
        *LOTS,  # lot 3: 70 pending until 2026-06-08
        lot(6, 10, "2026-05-30", None, available="2026-06-08T18:00"),  # the same day
        lot(7, 40, "2026-05-31", None, available="2026-06-14"),
        lot(8, 0, "2026-05-31", None, available="2026-06-10"),  # spent already
        lot(9, 25, "2025-05-01", "2026-05-31", available="2026-06-20"),  # expired first
    ]
    days = [(datetime(2026, 6, 8).date(), 80), (datetime(2026, 6, 14).date(), 40)]
    assert pending_by_day(lots, NOW) == days
    assert sum(points for _, points in days) == pending_points(lots, NOW)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-11-15", 3, "2027-02-15"),
        ("2026-03-31", -1, "2026-02-28"),
        ("2026-01-15", -12, "2025-01-15"),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start: str, months: int, expected: str) -> None:
    assert add_months(datetime.fromisoformat(start), months) == datetime.fromisoformat(expected)
