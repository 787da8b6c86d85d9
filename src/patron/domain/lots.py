"""Point lots: where every point on a balance came from, and in which order it leaves.

Design overview. Each credit to a member (welcome bonus, a purchase, an adjustment, a
cancelled redemption) opens a *lot* with its own earning date, the date it becomes
spendable (after the return window) and the date it expires. Each debit (redemption,
refund, expiry, negative adjustment) is *allocated* over lots, and every allocation is
recorded, so that

* the balance equals the sum of the lots' remaining points,
* a cancelled redemption puts points back into the very lots they came from, with their
  original expiry dates,
* redemptions spend the points closest to expiry first (as Odoo's loyalty does), and
* a refund takes back first the points its own purchase earned, and
* a bonus that burns (an admin's grant, a promotion's or milestone's bonus with its own
  `valid_days`) is a lot of its own with its own short expiry, so it is spent before older
  points and burns on its date through the same expiry run (`burning_expiry`).

All functions here are pure; the store persists lots and allocations.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from patron.domain.errors import InsufficientPoints
from patron.domain.money import Points

_FAR_FUTURE = datetime.max


@dataclass(frozen=True, slots=True)
class Lot:
    id: int
    remaining: Points
    earned_at: datetime
    available_at: datetime
    expires_at: datetime | None


Allocation = tuple[int, Points]

MAX_VALID_DAYS = 3660  # a burning bonus is short-lived; ten years is the bound of its field


@dataclass(frozen=True, slots=True)
class Burning:
    """Points of a credit that burn on their own: valid `days` days once spendable."""

    points: Points
    days: int


def burning_expiry(available_at: datetime, days: int, program_expiry: datetime | None) -> datetime:
    """When a burning bonus expires: `days` days after it becomes spendable, or the
    program's own expiry of the credit if that comes first (a bonus never outlives the
    points it came with)."""
    own = available_at + timedelta(days=days)
    return own if program_expiry is None else min(own, program_expiry)


def add_months(moment: datetime, months: int) -> datetime:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def is_live(lot: Lot, now: datetime) -> bool:
    return lot.remaining > 0 and (lot.expires_at is None or lot.expires_at > now)


def is_spendable(lot: Lot, now: datetime) -> bool:
    return is_live(lot, now) and lot.available_at <= now


def _expiry_order(lot: Lot) -> tuple[datetime, datetime, int]:
    return (lot.expires_at or _FAR_FUTURE, lot.earned_at, lot.id)


def spendable_points(lots: Iterable[Lot], now: datetime) -> Points:
    return sum(lot.remaining for lot in lots if is_spendable(lot, now))


def pending_points(lots: Iterable[Lot], now: datetime) -> Points:
    return sum(lot.remaining for lot in lots if is_live(lot, now) and lot.available_at > now)


def pending_by_day(lots: Iterable[Lot], now: datetime) -> list[tuple[date, Points]]:
    """Pending points grouped by the day they become spendable, soonest first: the same
    lots `pending_points` sums, so the days add up to it."""
    by_day: dict[date, Points] = defaultdict(int)
    for lot in lots:
        if is_live(lot, now) and lot.available_at > now:
            by_day[lot.available_at.date()] += lot.remaining
    return sorted(by_day.items())


def allocate_spend(lots: Sequence[Lot], points: Points, now: datetime) -> list[Allocation]:
    """Spend `points` from spendable lots, closest to expiry first; all or nothing."""
    usable = sorted((lot for lot in lots if is_spendable(lot, now)), key=_expiry_order)
    available = sum(lot.remaining for lot in usable)
    if points > available:
        raise InsufficientPoints(points, available)
    return _take(usable, points)


def allocate_take_back(
    lots: Sequence[Lot], points: Points, own: set[int], now: datetime
) -> tuple[list[Allocation], Points]:
    """Take back `points` for a refund: own lots first, then any live lot, closest to expiry.

    Returns the allocations and the shortfall that the balance could not cover (a debt).
    """
    own_lots = sorted(
        (lot for lot in lots if lot.id in own and lot.remaining > 0), key=_expiry_order
    )
    others = sorted(
        (lot for lot in lots if lot.id not in own and is_live(lot, now)), key=_expiry_order
    )
    ordered = own_lots + others
    covered = min(points, sum(lot.remaining for lot in ordered))
    return _take(ordered, covered), points - covered


def _take(ordered: Iterable[Lot], points: Points) -> list[Allocation]:
    taken: list[Allocation] = []
    left = points
    for lot in ordered:
        if left == 0:
            break
        part = min(lot.remaining, left)
        taken.append((lot.id, part))
        left -= part
    return taken


def expired(lots: Iterable[Lot], as_of: datetime) -> list[Allocation]:
    """Lots whose expiry date has passed and that still hold points: all of it burns."""
    return [
        (lot.id, lot.remaining)
        for lot in lots
        if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= as_of
    ]


def expiring_soon(
    lots: Iterable[Lot], now: datetime, within_days: int
) -> list[tuple[date, Points]]:
    """Points that will burn in the next `within_days` days, grouped by expiry date."""
    by_day: dict[date, Points] = defaultdict(int)
    for lot in lots:
        if not is_live(lot, now) or lot.expires_at is None:
            continue
        if (lot.expires_at - now).days < within_days:
            by_day[lot.expires_at.date()] += lot.remaining
    return sorted(by_day.items())
