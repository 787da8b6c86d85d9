"""The points of every purchase at once, by the rules of `domain.earning.score`.

Per line: the base (amount × points per unit, rounded), then each multiplier in the
domain's order (the line's category, the member's tier, each multiplier promotion in the
program's order), the exact product rounded after each stage; what a stage adds is the
rounded value less the one before, so the rules sum to the line's points as the domain's
breakdown does. A stage whose factor does not apply to a line multiplies it by 1, which
changes neither the exact value nor its rounding, so every line goes through every stage
and the arithmetic stays in whole arrays. Per purchase: bonus promotions (on their days,
with their code, with a line in their categories) and milestones crossed (purchase count
or cumulative spend from below to at or above the threshold, paid once).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from patron.analytics.simulation.fixed import fraction, number_type, round_points
from patron.analytics.simulation.history import UNIT_SCALE, History
from patron.domain.program import MilestoneKind, Program, Promotion

Array = np.ndarray[Any, np.dtype[Any]]


@dataclass(frozen=True)
class Points:
    """Points per purchase, and what each rule gave (arrays per purchase)."""

    total: Array
    base: Array
    category: Array
    tier: Array
    promotion: Array  # multiplier promotions and bonus promotions
    milestone: Array


@dataclass(frozen=True)
class Stage:
    rule: str  # "category", "tier" or "promotion"
    factors: Array  # the distinct factors over `scale`
    index: Array  # per line, its factor's index
    scale: int


def _factor_table(factors: list[Decimal]) -> tuple[Array, int]:
    """Factors as integers over one power of ten."""
    parts = [fraction(f) for f in factors]
    scale = max((den for _, den in parts), default=1)
    values = [num * (scale // den) for num, den in parts]
    return np.array(values, dtype=number_type(max(values, default=1))), scale


def _day_mask(promo: Promotion, days: Array) -> Array:
    return (days >= np.datetime64(promo.starts)) & (days <= np.datetime64(promo.ends))


def _code_mask(promo: Promotion, history: History) -> Array:
    if promo.code is None:
        return np.ones(len(history), dtype=bool)
    if promo.code not in history.codes:
        return np.zeros(len(history), dtype=bool)
    coded: Array = history.code == history.codes.index(promo.code)
    return coded


def _category_mask(names: list[str], history: History) -> Array:
    """Lines whose category is one of `names`."""
    known = [i for i, c in enumerate(history.categories) if c in names]
    return np.isin(history.line_category, known)


def promotion_days(program: Program, history: History) -> list[Array]:
    days = history.days
    return [_day_mask(p, days) & _code_mask(p, history) for p in program.promotions]


def line_stages(program: Program, history: History, tier_of_line: Array) -> list[Stage]:
    """Every multiplier stage, with each line's factor (1 where it does not apply)."""
    stages = []
    by_category = [program.categories.get(c, Decimal(1)) for c in history.categories]
    table, scale = _factor_table([*by_category, Decimal(1)])  # the last: no category
    no_category = np.where(history.line_category < 0, len(by_category), history.line_category)
    stages.append(Stage("category", table, no_category, scale))
    table, scale = _factor_table([t.multiplier for t in program.tiers.levels])
    stages.append(Stage("tier", table, tier_of_line, scale))
    applies = promotion_days(program, history)
    for promo, on in zip(program.promotions, applies, strict=True):
        if promo.multiplier is None or not on.any():
            continue
        line_on = on[history.line_purchase]
        if promo.categories:
            line_on &= _category_mask(promo.categories, history)
        table, scale = _factor_table([Decimal(1), promo.multiplier])
        stages.append(Stage("promotion", table, line_on.view(np.uint8), scale))
    return stages


def line_points(program: Program, history: History, tier_of_line: Array) -> dict[str, Array]:
    """Points per line by rule: base, category, tier, promotion (they sum to the line's)."""
    rounding = program.earning.rounding
    rate, rate_scale = fraction(program.earning.points_per_unit)
    stages = line_stages(program, history, tier_of_line)
    largest = int(history.line_amount.max(initial=0)) * rate
    denominator = UNIT_SCALE * rate_scale
    for stage in stages:
        largest *= int(stage.factors.max(initial=1))
        denominator *= stage.scale
    kind = number_type(max(largest, denominator) * 2)
    exact = history.line_amount.astype(kind)
    if rate != 1:
        exact *= rate
    over = UNIT_SCALE * rate_scale
    points = round_points(exact, over, rounding)
    by_rule = {"base": points.astype(np.int64, copy=False)}
    points = points.copy()  # updated in place below; the base stays
    for stage in stages:
        moves = stage.factors != stage.scale
        if not bool(moves.any()):
            continue  # a factor of 1 everywhere: no line's value or rounding changes
        moving = np.flatnonzero(moves[stage.index])
        if 4 * len(moving) >= len(exact):
            # most lines move: every line does, a factor that does not apply being
            # scale / scale, so the exact value, and its rounding, stay as they were
            exact *= stage.factors.astype(kind)[stage.index]
            over *= stage.scale
            stage_points = round_points(exact, over, rounding)
            gained = (stage_points - points).astype(np.int64, copy=False)
            points = stage_points
        else:
            # a few lines move (a promotion's days): the others only change
            # denominator (× scale / scale), one pass; the rounding runs on the few
            moved = exact[moving] * stage.factors.astype(kind)[stage.index[moving]]
            exact *= stage.scale
            exact[moving] = moved
            over *= stage.scale
            stage_points = round_points(moved, over, rounding)
            gained = np.zeros(len(exact), dtype=np.int64)
            gained[moving] = stage_points - points[moving]
            points[moving] = stage_points
        by_rule[stage.rule] = by_rule[stage.rule] + gained if stage.rule in by_rule else gained
    return by_rule


def promotion_bonuses(program: Program, history: History) -> Array:
    """Bonus promotions' points per purchase."""
    bonus = np.zeros(len(history), dtype=np.int64)
    for promo, on in zip(program.promotions, promotion_days(program, history), strict=True):
        if promo.bonus is None or not on.any():
            continue
        if promo.categories:
            lines = _category_mask(promo.categories, history)
            on = on & (np.bincount(history.line_purchase[lines], minlength=len(history)) > 0)
        bonus += np.where(on, promo.bonus, 0)
    return bonus


def milestone_bonuses(
    program: Program, count_before: Array, spend_before_cents: Array, amount: Array
) -> Array:
    """Milestones crossed per purchase: the count before and after it (+1), the member's
    recorded spend before it (cents, as lifetime_spend sums stored totals) and after it
    (plus the purchase's exact amount, as crossed_milestones adds `purchase.total`)."""
    bonus = np.zeros(len(count_before), dtype=np.int64)
    for ms in program.milestones:
        if ms.bonus is None:  # a milestone's voucher is a reward's cost, not points
            continue
        if ms.kind is MilestoneKind.PURCHASE_COUNT:
            # from below the threshold to at or above it in one purchase: the count
            # before it is the threshold less one (thresholds are at least 1)
            crossed = count_before == _ceiling(ms.threshold) - 1
        else:
            threshold = _ceiling(ms.threshold * UNIT_SCALE)
            before = spend_before_cents * (UNIT_SCALE // 100)
            crossed = before < threshold
            before += amount
            crossed &= threshold <= before
        bonus[crossed] += ms.bonus
    return bonus


def _ceiling(value: Decimal) -> int:
    """For integers x: x < value iff x < ceil(value), value <= x iff ceil(value) <= x."""
    return int(value.to_integral_value(rounding="ROUND_CEILING"))


def score_all(
    program: Program,
    history: History,
    tier_rank: Array,
    order_bonus: Array,
    milestone: Array,
) -> Points:
    """Points of every purchase given the member's tier before it (rank per purchase)."""
    size = len(history)
    by_line = line_points(program, history, tier_rank[history.line_purchase])

    def per_purchase(rule: str) -> Array:
        values = by_line.get(rule)
        if values is None or np.isscalar(values):
            return np.zeros(size, dtype=np.int64)
        return history.sums(np.asarray(values, dtype=np.int64))

    base, category, tier = per_purchase("base"), per_purchase("category"), per_purchase("tier")
    promotion = per_purchase("promotion") + order_bonus
    total = base + category + tier + promotion + milestone
    return Points(total, base, category, tier, promotion, milestone)
