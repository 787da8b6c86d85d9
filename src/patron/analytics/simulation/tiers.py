"""Every member's tier path at once, by the rules of `domain.tiers` and `services.tiers`.

A purchase is scored at the tier the member holds before it; after it, the window
ending at the purchase (dated from `window_months` earlier to the purchase, both
included; later purchases are not recorded yet) may lift the member to a higher tier,
never lower. Downgrades happen only at a re-evaluation, which qualifies every member on
the window ending at its moment, up or down. Purchases dated at or before a
re-evaluation's moment come before it (its window holds them).

So the tier before purchase i is the highest of the tier the last re-evaluation before
it gave and the tiers the member's earlier purchases since then qualified for: a
running maximum within (member, re-evaluation period), computed on the whole sorted
array at once.

Windows are sums of a cumulative array between two positions found by binary search on
(member, moment): the moments are ranked, so one int64 key orders both.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from patron.analytics.simulation.calendar import add_months
from patron.domain.program import TierBasis, TierPolicy

Array = np.ndarray[Any, np.dtype[Any]]


@dataclass(frozen=True)
class Timeline:
    """Purchases sorted by member and moment (stable), with what searches need."""

    member: Array  # sorted
    at: Array  # datetime64[us], sorted within member
    moments: Array  # the distinct moments, sorted
    key: Array  # member * (len(moments) + 1) + rank of the moment: sorted
    members: int
    by_time: Array  # positions in moment order (stable)

    @classmethod
    def of(cls, member: Array, at: Array, members: int) -> tuple[Timeline, Array]:
        """The timeline of purchases given in any order, and the order that sorts them
        (by member, then moment, then given position). Two sorts: by moment, which ranks
        the moments (ties in any order: they share a rank), then a stable one by
        (member, rank), which keeps a member's purchases of one moment in their order."""
        by_time = np.argsort(at, kind="quicksort")
        sorted_at = at[by_time]
        new = np.r_[True, sorted_at[1:] != sorted_at[:-1]]
        rank = np.empty(len(at), dtype=np.int64)
        rank[by_time] = np.cumsum(new) - 1
        moments = sorted_at[new]
        unsorted = member * np.int64(len(moments) + 1) + rank
        order = np.argsort(unsorted, kind="stable")
        key = unsorted[order]
        position = np.empty(len(at), dtype=np.int64)
        position[order] = np.arange(len(at))
        timeline = cls(member[order], at[order], moments, key, members, position[by_time])
        return timeline, order

    def window_starts(self, months: int) -> Array:
        """Per purchase: the first position of its member's purchases in the window that
        ends at it. The starts are searched in moment order, where they are sorted (the
        window's start moves with its end), which keeps the searches in cache."""
        starts = add_months(self.at[self.by_time], -months)
        rank = np.empty(len(starts), dtype=np.int64)
        rank[self.by_time] = np.searchsorted(self.moments, starts, side="left")
        return np.searchsorted(self.key, self.member * np.int64(len(self.moments) + 1) + rank)

    def positions(self, at: np.datetime64, *, after: bool) -> Array:
        """Per member: the first position of their purchases dated at or after the moment
        (`after=False`) or after it (`after=True`); one moment for all, so the searches
        go in order."""
        rank = np.searchsorted(self.moments, at, side="right" if after else "left")
        members = np.arange(self.members, dtype=np.int64)
        found: Array = np.searchsorted(self.key, members * np.int64(len(self.moments) + 1) + rank)
        return found


def thresholds(policy: TierPolicy) -> Array:
    """Each level's threshold on the integer scale of the qualifying values: cents for
    spend, points for points (a value reaches a threshold iff it reaches its ceiling)."""
    unit = Decimal(100) if policy.basis is TierBasis.SPEND else Decimal(1)
    return np.array(
        [
            int((t.threshold * unit).to_integral_value(rounding="ROUND_CEILING"))
            for t in policy.levels
        ],
        dtype=np.int64,
    )


def qualify(limits: Array, value: Array) -> Array:
    """The rank of the highest level whose threshold the value reaches."""
    return np.searchsorted(limits, value, side="right") - 1


@dataclass(frozen=True)
class TierPath:
    before: Array  # rank before each purchase (sorted order)
    after: Array  # rank after each purchase
    reevaluated: Array  # (members, re-evaluations): rank each re-evaluation gave


def tier_path(policy: TierPolicy, line: Timeline, values: Array, reevaluations: Array) -> TierPath:
    """Tier ranks along the sorted purchases, given each purchase's qualifying value
    (cents of its total, or its points) and the moments of the re-evaluations."""
    months = policy.window_months
    limits = thresholds(policy)
    sums = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
    start = line.window_starts(months)
    reached = qualify(limits, sums[1:] - sums[start])
    # the window ending at each re-evaluation, for every member
    given = np.zeros((line.members, len(reevaluations)), dtype=np.int64)
    starts = add_months(reevaluations, -months)
    for k, end in enumerate(reevaluations):
        low = line.positions(starts[k], after=False)
        high = line.positions(end, after=True)
        given[:, k] = qualify(limits, sums[high] - sums[low])
    # the period of each purchase: re-evaluations strictly before it
    period = np.searchsorted(reevaluations, line.at, side="left") - 1
    base = np.where(period >= 0, given[line.member, np.maximum(period, 0)], 0)
    levels = np.int64(len(limits))
    group = line.member * np.int64(len(reevaluations) + 1) + (period + 1)
    running = np.maximum.accumulate(group * levels + np.maximum(base, reached)) - group * levels
    first = np.r_[True, group[1:] != group[:-1]]
    before = np.where(first, base, np.r_[0, running[:-1]])
    return TierPath(before, running, given)
