"""Points through the months: issued, redeemed, expired, outstanding, pending.

Every credit is a lot (domain/lots.py): earned at a moment, spendable `pending_days`
later, expiring `[expiry] months` after it was earned. A member's lots expire in the
order they were earned and become spendable in that order, and both redemptions
(closest to expiry first) and the expiry run take the oldest points first: so a
member's points leave in the order they came, and a member is three running totals,
not a list of lots. At each month's end (the first instant of the next month):

1. the expiry run burns every lot expired by then: what was earned up to the last
   expired lot and not yet gone leaves as expired;
2. the member redeems `rate` × the spendable points (whole points, rounded down).

Outstanding points are those earned and neither redeemed nor expired (pending
included, as a member's balance total holds them); pending are those not yet spendable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from patron.analytics.simulation.calendar import add_months, month_index

Array = np.ndarray[Any, np.dtype[Any]]


@dataclass(frozen=True)
class Lots:
    member: Array
    earned_at: Array  # datetime64[us]
    points: Array  # int64


@dataclass(frozen=True)
class Flows:
    """Per month (index k: the month that ends at boundaries[k])."""

    issued: Array
    redeemed: Array
    expired: Array
    outstanding: Array
    pending: Array


def _buckets(moments: Array, boundaries: Array, side: str) -> Array:
    """The first month whose end is at or after (side="left") or after ("right") each
    moment; len(boundaries) when none."""
    return month_index(moments, boundaries, side)


def _by_month(bucket: Array, weights: Array, months: int) -> Array:
    return np.bincount(bucket, weights, months + 1)[:months].round().astype(np.int64)


def flows(
    lots: Lots,
    boundaries: Array,
    members: int,
    *,
    pending_days: int,
    expiry_months: int | None,
    rate: float,
) -> Flows:
    """The month-end figures of the lots, members redeeming `rate` a month."""
    months = len(boundaries)
    earned = _buckets(lots.earned_at, boundaries, "right")  # earned before the end
    available_at = lots.earned_at + np.timedelta64(timedelta(days=pending_days))
    # spendable by the end (never before it counts as earned: a lot dated at an end)
    available = np.maximum(_buckets(available_at, boundaries, "left"), earned)
    if expiry_months is None or _none_expire(lots.earned_at, expiry_months, boundaries):
        expiring = np.full(len(lots.points), months)
    else:
        expiring = _buckets(add_months(lots.earned_at, expiry_months), boundaries, "left")
    issued = _by_month(earned, lots.points, months)
    if rate == 0:
        return _without_redemptions(lots, earned, available, expiring, issued, months)
    return _with_redemptions(lots, earned, available, expiring, issued, members, rate)


def _none_expire(earned_at: Array, months: int, boundaries: Array) -> bool:
    """Whether even the earliest lot expires after the last month's end (expiry dates
    follow the earning dates: `add_months` never reverses two moments)."""
    if len(earned_at) == 0 or len(boundaries) == 0:
        return True
    return bool(add_months(earned_at.min(keepdims=True), months)[0] > boundaries[-1])


def _without_redemptions(
    lots: Lots, earned: Array, available: Array, expiring: Array, issued: Array, months: int
) -> Flows:
    """No points leave but by expiry: each lot burns whole (totals, no member state)."""
    expired = _by_month(expiring, lots.points, months)
    # pending at the end of month k: earned by then, neither spendable nor expired yet
    settled = _by_month(np.minimum(available, expiring), lots.points, months)
    pending = np.cumsum(issued) - np.cumsum(settled)
    outstanding = np.cumsum(issued) - np.cumsum(expired)
    return Flows(issued, np.zeros(months, dtype=np.int64), expired, outstanding, pending)


def _with_redemptions(
    lots: Lots,
    earned: Array,
    available: Array,
    expiring: Array,
    issued: Array,
    members: int,
    rate: float,
) -> Flows:
    months = len(issued)
    earned_sum = np.zeros(members, dtype=np.int64)
    spendable_sum = np.zeros(members, dtype=np.int64)
    expiring_sum = np.zeros(members, dtype=np.int64)
    gone = np.zeros(members, dtype=np.int64)
    redeemed, expired = np.zeros(months, np.int64), np.zeros(months, np.int64)
    outstanding, pending = np.zeros(months, np.int64), np.zeros(months, np.int64)
    by_earned, by_available, by_expiring = (
        _Monthly(lots, b, months, members) for b in (earned, available, expiring)
    )
    for k in range(months):
        earned_sum += by_earned.sums(k)
        spendable_sum += by_available.sums(k)
        expiring_sum += by_expiring.sums(k)
        burned = np.maximum(expiring_sum - gone, 0)
        gone += burned
        spendable = np.maximum(spendable_sum - gone, 0)
        taken = np.floor(spendable * rate).astype(np.int64)
        gone += taken
        redeemed[k], expired[k] = taken.sum(), burned.sum()
        outstanding[k] = (earned_sum - gone).sum()
        pending[k] = np.maximum(earned_sum - np.maximum(spendable_sum, gone), 0).sum()
    return Flows(issued, redeemed, expired, outstanding, pending)


class _Monthly:
    """Lots grouped by month, for per-member sums month by month: a table of (month,
    member) sums from one counting when it stays small, else the lots sorted by month
    (one counting sort) and counted a month at a time."""

    def __init__(self, lots: Lots, bucket: Array, months: int, members: int) -> None:
        self.members = members
        self.table: Array | None = None
        if (months + 1) * members <= 2 * len(lots.points) + 1_000_000:
            index = bucket * np.int64(members) + lots.member
            sums = np.bincount(index, lots.points, (months + 1) * members)
            self.table = sums.reshape(months + 1, members)
            return
        order = np.argsort(bucket.astype(np.int16), kind="stable")
        self.member = lots.member[order]
        self.points = lots.points[order].astype(np.float64)
        self.bounds = np.searchsorted(bucket[order], np.arange(months + 1))

    def sums(self, k: int) -> Array:
        if self.table is not None:
            row: Array = self.table[k].round().astype(np.int64)
            return row
        part = slice(self.bounds[k], self.bounds[k + 1])
        sums = np.bincount(self.member[part], self.points[part], self.members)
        return sums.round().astype(np.int64)
