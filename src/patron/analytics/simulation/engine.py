"""Replaying a purchase history under a program: the computation, writing nothing.

`simulate` sorts the purchases by member and moment, finds every member's tier path
(`tiers.py`), scores every purchase at the tier held before it (`scoring.py`) and
follows the points through the months (`balances.py`). With `basis = "points"` a tier
depends on the points of earlier purchases, which depend on earlier tiers: the tier
path and the points are computed again from the last path until the path no longer
changes. The sequential rules have exactly one solution and a path that reproduces
itself satisfies them, so the fixed point is that solution; each round settles at least
one more purchase of every member, and in practice two or three rounds do.

Every customer of the history enrolls at their first purchase of the period (the welcome
bonus is credited then); referrals are not in a purchase history and are not simulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from patron.analytics.simulation.balances import Flows, Lots, flows
from patron.analytics.simulation.calendar import moment, month_index, month_starts
from patron.analytics.simulation.history import History
from patron.analytics.simulation.scoring import (
    Points,
    milestone_bonuses,
    promotion_bonuses,
    score_all,
)
from patron.analytics.simulation.tiers import TierPath, Timeline, tier_path
from patron.domain.errors import InvalidInput
from patron.domain.program import Program, TierBasis
from patron.files.values import FIRST_YEAR, LAST_YEAR

Array = np.ndarray[Any, np.dtype[Any]]
MAX_ROUNDS = 1000
MAX_MONTHS = 240  # a report of twenty years; a longer period is refused, not ground through


@dataclass(frozen=True)
class Assumptions:
    """What the history does not say: the period, how members redeem, what a redeemed
    point costs, the margin where the purchases carry no costs, how often tiers are
    re-evaluated (every N months at the start of a month; 0: never)."""

    start: date
    end: date
    redeem_rate: Decimal = Decimal(0)
    point_cost: Decimal | None = None
    margin_rate: Decimal | None = None
    reevaluate_months: int = 1


@dataclass(frozen=True)
class Replay:
    """A history replayed: per purchase (in the history's order) and per month."""

    program: Program
    assumptions: Assumptions
    months: Array  # datetime64[us]: each month's first instant
    kept: Array  # bool per purchase of the history: in the period
    points: Points  # per kept purchase, in the history's order
    tier_before: Array  # rank per kept purchase
    tier_after: Array
    reevaluations: Array  # moments
    reevaluated: Array  # (customers, reevaluations) rank; customers as in `member_ids`
    member_ids: Array  # the customer ids of the members, in member order
    member_of: Array  # per kept purchase, its member
    enrolled_by: Array  # per month: members enrolled by its end
    tiers_by_month: Array  # (months, levels): members per tier at each month's end
    purchases: Array
    revenue_cents: Array
    margin_cents: Array | None  # None when neither costs nor a margin rate are known
    margin_from_costs: bool
    issued: dict[str, Array]  # rule -> points per month
    flows: Flows


def simulate(program: Program, history: History, assumptions: Assumptions) -> Replay:
    if assumptions.end < assumptions.start:
        raise InvalidInput(
            f"the period ends ({assumptions.end}) before it starts ({assumptions.start})"
        )
    if assumptions.start.year < FIRST_YEAR or assumptions.end.year > LAST_YEAR:
        raise InvalidInput(
            f"the period from {assumptions.start} to {assumptions.end} is outside the years"
            f" {FIRST_YEAR} to {LAST_YEAR}, where purchases can be dated"
        )
    span = (assumptions.end.year - assumptions.start.year) * 12
    if span + assumptions.end.month - assumptions.start.month >= MAX_MONTHS:
        raise InvalidInput(
            f"the period from {assumptions.start} to {assumptions.end} is over {MAX_MONTHS}"
            " months: choose a shorter one (from, to)"
        )
    first, after = moment(assumptions.start), moment(assumptions.end + timedelta(days=1))
    kept = (history.occurred_at >= first) & (history.occurred_at < after)
    period = history.select(kept)
    present = np.bincount(period.customer, minlength=history.customers) > 0
    member_ids = np.flatnonzero(present)
    member = (np.cumsum(present) - 1)[period.customer]
    line, order = Timeline.of(member, period.occurred_at, len(member_ids))
    boundaries = month_starts(assumptions.start, assumptions.end)[1:]
    reevaluations = _reevaluations(boundaries, assumptions.reevaluate_months)
    totals = period.totals()
    points, path = _points_and_tiers(program, period, order, line, totals, reevaluations)
    before, after_rank = np.empty_like(path.before), np.empty_like(path.after)
    before[order], after_rank[order] = path.before, path.after
    firsts = line.starts[:-1]
    welcome = program.earning.welcome_bonus
    lots = Lots(
        np.concatenate([member, np.arange(len(member_ids))]),
        np.concatenate([period.occurred_at, line.at[firsts]]),
        np.concatenate([points.total, np.full(len(member_ids), welcome, dtype=np.int64)]),
    )
    point_flows = flows(
        lots,
        boundaries,
        len(member_ids),
        pending_days=program.earning.pending_days,
        expiry_months=program.expiry.months,
        rate=float(assumptions.redeem_rate),
    )
    months = len(boundaries)
    bucket = month_index(period.occurred_at, boundaries, side="right")
    joined = month_index(line.at[firsts], boundaries, side="right")

    def per_month(values: Array, where: Array = bucket) -> Array:
        return np.bincount(where, values, months + 1)[:months].round().astype(np.int64)

    costs = period.costs()
    from_costs = bool(len(costs)) and bool((costs >= 0).all())
    margin = _margin(totals, costs, from_costs, assumptions.margin_rate, per_month)
    issued = {
        "base": per_month(points.base),
        "category": per_month(points.category),
        "tier": per_month(points.tier),
        "promotion": per_month(points.promotion),
        "milestone": per_month(points.milestone),
        "welcome": per_month(np.full(len(member_ids), welcome), joined),
    }
    return Replay(
        program=program,
        assumptions=assumptions,
        months=month_starts(assumptions.start, assumptions.end)[:-1],
        kept=kept,
        points=points,
        tier_before=before,
        tier_after=after_rank,
        reevaluations=reevaluations,
        reevaluated=path.reevaluated,
        member_ids=period.customer_ids[member_ids],
        member_of=member,
        enrolled_by=np.cumsum(np.bincount(joined, minlength=months + 1)[:months]),
        tiers_by_month=_tier_mix(
            line, path, reevaluations, boundaries, firsts, len(program.tiers.levels)
        ),
        purchases=per_month(np.ones(len(period))),
        revenue_cents=per_month(totals),
        margin_cents=margin,
        margin_from_costs=from_costs,
        issued=issued,
        flows=point_flows,
    )


def _reevaluations(boundaries: Array, every: int) -> Array:
    if every <= 0:
        return boundaries[:0]
    return boundaries[every - 1 :: every]


def _points_and_tiers(
    program: Program,
    period: History,
    order: Array,
    line: Timeline,
    totals: Array,
    reevaluations: Array,
) -> tuple[Points, TierPath]:
    """Points per purchase (history order) and the tier path (sorted order)."""
    policy = program.tiers
    sorted_totals = totals[order]
    milestone = np.zeros(len(order), dtype=np.int64)
    if program.milestones:
        start_of_own = np.repeat(line.starts[:-1], np.diff(line.starts))
        count_before = np.arange(len(order)) - start_of_own
        spent = np.concatenate(([0], np.cumsum(sorted_totals, dtype=np.int64)))
        spend_before = spent[:-1] - spent[start_of_own]
        crossed = milestone_bonuses(
            program, count_before, spend_before, period.purchase_amounts()[order]
        )
        some = np.flatnonzero(crossed)  # a member crosses each milestone once at most
        milestone[order[some]] = crossed[some]
    bonus = promotion_bonuses(program, period)
    if policy.basis is TierBasis.SPEND:
        path = tier_path(policy, line, sorted_totals, reevaluations)
        tier = np.empty_like(path.before)
        tier[order] = path.before
        return score_all(program, period, tier, bonus, milestone), path
    tier = np.zeros(len(order), dtype=np.int64)
    for _ in range(MAX_ROUNDS):
        points = score_all(program, period, tier, bonus, milestone)
        path = tier_path(policy, line, points.total[order], reevaluations)
        again = np.empty_like(path.before)
        again[order] = path.before
        if np.array_equal(again, tier):
            return points, path
        tier = again
    raise InvalidInput("the tier path did not settle; report this history")  # pragma: no cover


def _margin(
    totals: Array, costs: Array, from_costs: bool, rate: Decimal | None, per_month: Any
) -> Array | None:
    if from_costs:
        return per_month(totals - costs)  # type: ignore[no-any-return]
    if rate is None:
        return None
    revenue = per_month(totals)
    return np.array(
        [int((Decimal(int(r)) * rate).to_integral_value()) for r in revenue], dtype=np.int64
    )


def _tier_mix(
    line: Timeline,
    path: TierPath,
    reevaluations: Array,
    boundaries: Array,
    firsts: Array,
    levels: int,
) -> Array:
    """Members per tier at each month's end: the last re-evaluation's tier unless a
    purchase came after it, then the tier after the member's last purchase."""
    mix = np.zeros((len(boundaries), levels), dtype=np.int64)
    lasts = line.positions_at(boundaries, after=False) - 1
    for k, end in enumerate(boundaries):
        last = lasts[:, k]
        enrolled = last >= firsts
        done = np.searchsorted(reevaluations, end, side="right") - 1
        tier = path.after[np.maximum(last, 0)]
        if done >= 0:
            since = line.at[np.maximum(last, 0)] > reevaluations[done]
            tier = np.where(since, tier, path.reevaluated[:, done])
        mix[k] = np.bincount(tier[enrolled], minlength=levels)
    return mix
