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
(member, day): a moment is a day and a time of day, so one int64 key orders the sorted
purchases by member and day, and the few purchases of a member on the searched day are
stepped over by their time of day.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from patron.analytics.simulation.calendar import DAY_US, add_months, month_index
from patron.domain.program import TierBasis, TierPolicy

Array = np.ndarray[Any, np.dtype[Any]]
TIME_BITS = 37  # a time of day in microseconds: below 86,400,000,000 < 2^37


@dataclass(frozen=True)
class Timeline:
    """Purchases sorted by member and moment (stable), with what searches need."""

    member: Array  # sorted
    at: Array  # datetime64[us], sorted within member
    day: Array  # int64: days since 1970, sorted within member
    time: Array  # int64: microseconds since the day's start
    key: Array  # member * days + day: sorted
    days: int
    first_day: int
    starts: Array  # per member, its first position; then len(purchases)
    members: int

    @classmethod
    def of(cls, member: Array, at: Array, members: int) -> tuple[Timeline, Array]:
        """The timeline of purchases given in any order, and the order that sorts them
        (by member, then moment, then given position)."""
        micros = at.view(np.int64)
        whole = micros // DAY_US
        first_day = int(whole.min()) if len(whole) else 0
        day = whole - first_day
        time = micros - whole * DAY_US
        days = int(day.max(initial=0)) + 1
        order, sorted_member, sorted_day = sort_order(member, day, time, members, days)
        sorted_time = time[order]
        timeline = cls(
            member=sorted_member,
            at=((sorted_day + first_day) * DAY_US + sorted_time).view(at.dtype),
            day=sorted_day + first_day,
            time=sorted_time,
            key=sorted_member * np.int64(days) + sorted_day,
            days=days,
            first_day=first_day,
            starts=np.searchsorted(sorted_member, np.arange(members + 1)),
            members=members,
        )
        return timeline, order

    def _search(self, member: Array, at: Array, *, after: bool) -> Array:
        """Per query (member, moment): the first position of the member's purchases dated
        at or after the moment (`after=False`) or after it (`after=True`)."""
        micros = at.view(np.int64)
        whole = micros // DAY_US
        day = whole - self.first_day
        time = micros - whole * DAY_US
        outside = (day < 0) | (day >= self.days)  # the member's first or end: no stepping
        day = np.clip(day, 0, self.days)
        time = np.where(outside, -1, time)
        target = member * np.int64(self.days) + day
        found: Array = np.searchsorted(self.key, target)
        # purchases of the target day earlier than the moment (or at it, with `after`)
        # come before it: step over them, all such queries at once, a few steps
        stepping = np.flatnonzero(found < len(self.key))
        while len(stepping):
            here = found[stepping]
            same = self.key[here] == target[stepping]
            at, moment = self.time[here], time[stepping]
            earlier = at <= moment if after else at < moment
            stepping = stepping[same & earlier]
            found[stepping] += 1
            stepping = stepping[found[stepping] < len(self.key)]
        return found

    def window_starts(self, months: int) -> Array:
        """Per purchase: the first position of its member's purchases in the window that
        ends at it. A window that starts before the member's first purchase starts at
        it, without a search; when even the window ending at a member's last purchase
        does, none of the member's windows needs one."""
        first = self.starts[:-1]
        lasts = self.starts[1:] - 1
        late = np.flatnonzero(add_months(self.at[lasts], -months) > self.at[first])
        found = np.repeat(first, np.diff(self.starts))
        if len(late) == 0:
            return found
        mine = np.zeros(self.members, dtype=bool)
        mine[late] = True
        some = np.flatnonzero(mine[self.member])
        starts = add_months(self.at[some], -months)
        searched = some[starts > self.at[found[some]]]
        starts = starts[starts > self.at[found[some]]]
        found[searched] = self._search(self.member[searched], starts, after=False)
        return found

    def positions(self, at: np.datetime64, *, after: bool) -> Array:
        """Per member: the first position of their purchases dated at or after the moment
        (`after=False`) or after it (`after=True`)."""
        if int(np.array(at, dtype=self.at.dtype).view(np.int64)) < self.first_day * DAY_US:
            return self.starts[:-1]  # before every purchase: each member's first
        members = np.arange(self.members, dtype=np.int64)
        moments = np.full(self.members, at, dtype=self.at.dtype)
        return self._search(members, moments, after=after)

    def positions_at(self, moments: Array, *, after: bool) -> Array:
        """`positions` at each of the sorted `moments`, a column each. Each purchase's
        count of moments at or before it (`after=False`; before it, `after=True`) is
        what a member's purchases before a moment count on, so one counting of (member,
        that count) gives every column, when the table stays small; else a search each."""
        columns = len(moments)
        if self.members * (columns + 1) > 2 * len(self.member) + 1_000_000:
            found = [self.positions(at, after=after) for at in moments]
            return np.stack(found, axis=1) if found else np.zeros((self.members, 0), np.int64)
        index = month_index(self.at, moments, "left" if after else "right", self.day)
        index += self.member * np.int64(columns + 1)
        counts = np.bincount(index, minlength=self.members * (columns + 1))
        table = counts.reshape(self.members, columns + 1)[:, :columns]
        table.cumsum(axis=1, out=table)
        table += self.starts[:-1, None]
        return table


def sort_order(
    member: Array, day: Array, time: Array, members: int, days: int
) -> tuple[Array, Array, Array]:
    """The stable order by (member, day, time of day), with the members and days in it.
    A value sort of one int64 that packs member, day and position is several times
    faster than an argsort, and gives the sorted members and days without a gather; the
    few purchases of a member on one day are then ordered by their time of day apart.
    When the three do not fit in 63 bits, a lexicographic argsort."""
    size = len(member)
    position_bits = max(size - 1, 1).bit_length()
    day_bits = max(days - 1, 1).bit_length()
    member_bits = max(members - 1, 1).bit_length()
    if member_bits + day_bits + position_bits > 63 or size >= 2 ** (63 - TIME_BITS):
        order = np.lexsort((time, day, member))
        return order, member[order], day[order]
    packed = (member << np.int64(day_bits)) | day
    packed <<= np.int64(position_bits)
    packed |= np.arange(size, dtype=np.int64)
    packed.sort()
    order = packed & np.int64((1 << position_bits) - 1)
    group = packed >> np.int64(position_bits)
    del packed
    sorted_member, sorted_day = group >> np.int64(day_bits), group & np.int64((1 << day_bits) - 1)
    twin = group[1:] == group[:-1]
    if not bool(twin.any()):
        return order, sorted_member, sorted_day
    # the positions in groups of more than one purchase, each group in given order
    in_group = np.zeros(size, dtype=bool)
    in_group[:-1] = twin
    in_group[1:] |= twin
    shared = np.flatnonzero(in_group)
    rank = np.cumsum(np.r_[True, group[shared[1:]] != group[shared[:-1]]])
    within = np.argsort((rank << np.int64(TIME_BITS)) | time[order[shared]], kind="stable")
    order[shared] = order[shared][within]
    return order, sorted_member, sorted_day


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
    """The rank of the highest level whose threshold the value reaches (-1: none):
    the thresholds it reaches, counted by a comparison each for a few levels (faster
    than a binary search per value), less one."""
    if len(limits) > 8:
        return np.searchsorted(limits, value, side="right") - 1
    rank = np.full(value.shape, -1, dtype=np.int64)
    for limit in limits:
        rank += value >= limit
    return rank


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
    low = line.positions_at(add_months(reevaluations, -months), after=False)
    high = line.positions_at(reevaluations, after=True)
    given = qualify(limits, sums[high] - sums[low])
    # the period of each purchase: re-evaluations strictly before it; with a column of
    # Bronze (rank 0) before the first, (member, period) indexes the flat table
    period = month_index(line.at, reevaluations, "left", line.day)
    group = line.member * np.int64(len(reevaluations) + 1) + period
    table = np.zeros((line.members, len(reevaluations) + 1), dtype=np.int64)
    table[:, 1:] = given
    base = table.ravel()[group]
    levels = np.int64(len(limits))
    offset = group * levels
    running = np.maximum(base, reached)
    running += offset
    np.maximum.accumulate(running, out=running)
    running -= offset
    # before a purchase: the running maximum up to the one before it, in its group
    before = np.empty_like(running)
    before[0:1] = base[0:1]
    before[1:] = running[:-1]
    first = np.flatnonzero(group[1:] != group[:-1]) + 1
    before[first] = base[first]
    return TierPath(before, running, given)
