"""Tier qualification: which level a member's qualifying spend or points reach.

Upgrades take effect at once; downgrades wait for the periodic re-evaluation. `next_tier`
feeds the member's progress bar ("120 more to Gold").

A qualifying window has a start and an end: the window ending at E holds the purchases
dated from E minus the program's `window_months` to E, both included; nothing dated after
E counts in it. A history is a list of (purchase date, qualifying value) pairs.

What a purchase qualifies for is `QUALIFYING[basis]`: a quantity the store keeps for each
purchase less what its refunds gave back of it, counted at the purchase's date. Only
purchases qualify (welcome, referral and adjusted points never do). The store's query
receives that rule as an argument and only knows how to read each named quantity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from patron.domain.lots import add_months
from patron.domain.program import Tier, TierBasis, TierPolicy

History = Sequence[tuple[datetime, Decimal]]


class PurchaseMeasure(StrEnum):
    """A quantity the store keeps for each purchase."""

    TOTAL = "total"  # what the purchase cost the member
    REFUNDED_TOTAL = "refunded_total"  # the money its refunds gave back
    POINTS_EARNED = "points_earned"  # the points it earned, bonuses included
    POINTS_TAKEN_BACK = "points_taken_back"  # the points its refunds took back, debt included


@dataclass(frozen=True, slots=True)
class Qualifying:
    """What one purchase qualifies for: its `counted` quantity less its `returned` one."""

    counted: PurchaseMeasure
    returned: PurchaseMeasure


QUALIFYING: Mapping[TierBasis, Qualifying] = {
    # spend net of refunds
    TierBasis.SPEND: Qualifying(PurchaseMeasure.TOTAL, PurchaseMeasure.REFUNDED_TOTAL),
    # points earned net of every point the refunds took back, a refund's debt included
    TierBasis.POINTS: Qualifying(PurchaseMeasure.POINTS_EARNED, PurchaseMeasure.POINTS_TAKEN_BACK),
}


def window_start(end: datetime, months: int) -> datetime:
    return add_months(end, -months)


def window_value(history: History, end: datetime, months: int) -> Decimal:
    """Qualifying value of the window ending at `end`: purchases dated in [end - months, end]."""
    start = window_start(end, months)
    return sum((value for at, value in history if start <= at <= end), Decimal(0))


def best_window(history: History, at: datetime, now: datetime, months: int) -> Decimal:
    """The largest window that holds a purchase dated `at` and ends by `now` (or at `at`).

    A purchase uploaded late changes every window that holds it: the one ending at its own
    date, and those ending at the member's later purchases (up to now) that still reach
    back to it. Windows that do not hold it are not its business.
    """
    ends = [at] + [end for end, _ in history if at < end <= now and window_start(end, months) <= at]
    return max(window_value(history, end, months) for end in ends)


def qualify(policy: TierPolicy, qualifying: Decimal) -> Tier:
    """The highest level whose threshold the qualifying value reaches."""
    reached = policy.levels[0]
    for tier in policy.levels:
        if qualifying >= tier.threshold:
            reached = tier
    return reached


def on_activity(policy: TierPolicy, current: str, qualifying: Decimal) -> str:
    """After a purchase: move up if earned, never down (that waits for re-evaluation)."""
    reached = qualify(policy, qualifying)
    if policy.rank(reached.name) > policy.rank(current):
        return reached.name
    return current


@dataclass(frozen=True, slots=True)
class Progress:
    next_tier: str | None
    needed: Decimal


def progress(policy: TierPolicy, current: str, qualifying: Decimal) -> Progress:
    rank = policy.rank(current)
    for tier in policy.levels[rank + 1 :]:
        if tier.threshold > qualifying:
            return Progress(tier.name, tier.threshold - qualifying)
    return Progress(None, Decimal(0))
