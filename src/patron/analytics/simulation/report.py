"""A replay as figures: per month, a summary with the break-even uplift, and two
programs side by side.

Money: revenue and margin from the purchases (margin from their costs when every
purchase carries one, else revenue × the margin rate given); liability = outstanding
points × the program's point value (what the points are worth to members, before any
breakage); reward cost = redeemed points × the cost of a point to the business, by
default the catalog's Σ cost / Σ points (a point buys rewards in the proportion of
their prices), or the point value when the catalog is empty (a point is then a
discount of that value).

Break-even uplift: the extra purchases the program must bring for their margin to pay
its cost, in % of the members' revenue: uplift = cost / (margin rate × revenue) =
cost / margin, with the margin rate of the extra purchases equal to the average one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from patron.analytics.columns import Kind
from patron.analytics.simulation.engine import Replay
from patron.domain.money import quantize_money
from patron.domain.program import Program

RULES = ("base", "category", "tier", "promotion", "milestone", "welcome")
FLOWS = ("issued", "redeemed", "expired", "outstanding", "pending")
SHARE_PLACES = Decimal("0.000001")


def point_cost(program: Program, given: Decimal | None) -> tuple[Decimal, str]:
    """What a redeemed point costs the business, and where the figure comes from."""
    if given is not None:
        return given, "given (--point-cost)"
    priced = [r for r in program.rewards if r.points > 0]
    if priced:
        cost = sum((r.cost for r in priced), Decimal(0)) / sum(r.points for r in priced)
        return cost, f"the catalog's cost per point (Σ cost / Σ points of {len(priced)} rewards)"
    return program.redemption.point_value, "the point value (no rewards in the catalog)"


def month_kinds(program: Program) -> dict[str, Kind]:
    tiers = {f"members_{t.name}": Kind.COUNT for t in program.tiers.levels}
    return {
        "month": Kind.MONTH,
        "members": Kind.COUNT,
        **tiers,
        "purchases": Kind.COUNT,
        "revenue": Kind.MONEY,
        "margin": Kind.MONEY,
        **{f"points_{rule}": Kind.COUNT for rule in RULES},
        **{f"points_{flow}": Kind.COUNT for flow in FLOWS},
        "liability": Kind.MONEY,
        "reward_cost": Kind.MONEY,
        "cost_share_of_revenue": Kind.SHARE,
        "cost_share_of_margin": Kind.SHARE,
    }


SUMMARY_KINDS: dict[str, Kind] = {
    "program": Kind.TEXT,
    "from": Kind.DAY,
    "to": Kind.DAY,
    "members": Kind.COUNT,
    "purchases": Kind.COUNT,
    "revenue": Kind.MONEY,
    "margin": Kind.MONEY,
    "points_issued": Kind.COUNT,
    "points_redeemed": Kind.COUNT,
    "points_expired": Kind.COUNT,
    "points_outstanding": Kind.COUNT,
    "liability": Kind.MONEY,
    "reward_cost": Kind.MONEY,
    "accrued_cost": Kind.MONEY,
    "cost_share_of_revenue": Kind.SHARE,
    "cost_share_of_margin": Kind.SHARE,
    "break_even_uplift": Kind.SHARE,
    "break_even_uplift_accrued": Kind.SHARE,
    "redeem_rate": Kind.SHARE,
    "point_value": Kind.TEXT,  # a decimal written in full (0.005), not to the cent
    "point_cost": Kind.TEXT,
    "margin_rate": Kind.SHARE,
}


@dataclass(frozen=True)
class Figures:
    """A replay's tables, ready for any output."""

    months: list[dict[str, Any]]
    kinds: dict[str, Kind]
    summary: dict[str, Any]
    notes: list[str]


def _money(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _share(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if whole is None or whole <= 0:
        return None
    return (part / whole).quantize(SHARE_PLACES)


def figures(replay: Replay, point_cost_given: Decimal | None = None) -> Figures:
    program, flows = replay.program, replay.flows
    cost_per_point, cost_source = point_cost(program, point_cost_given)
    value = program.redemption.point_value
    margins = replay.margin_cents
    rows = []
    for k, month in enumerate(replay.months):
        revenue = _money(replay.revenue_cents[k])
        margin = None if margins is None else _money(margins[k])
        cost = quantize_money(flows.redeemed[k] * cost_per_point)
        row: dict[str, Any] = {"month": month.astype(object), "members": int(replay.enrolled_by[k])}
        for rank, tier in enumerate(program.tiers.levels):
            row[f"members_{tier.name}"] = int(replay.tiers_by_month[k, rank])
        row |= {"purchases": int(replay.purchases[k]), "revenue": revenue, "margin": margin}
        row |= {f"points_{rule}": int(replay.issued[rule][k]) for rule in RULES}
        row |= {f"points_{flow}": int(getattr(flows, flow)[k]) for flow in FLOWS}
        row |= {
            "liability": quantize_money(flows.outstanding[k] * value),
            "reward_cost": cost,
            "cost_share_of_revenue": _share(cost, revenue),
            "cost_share_of_margin": _share(cost, margin),
        }
        rows.append(row)
    summary, notes = _summary(replay, rows, cost_per_point, value)
    notes.append(f"cost of a redeemed point: {cost_per_point:.6f} ({cost_source})")
    return Figures(rows, month_kinds(program), summary, notes)


def _summary(
    replay: Replay, rows: list[dict[str, Any]], cost_per_point: Decimal, value: Decimal
) -> tuple[dict[str, Any], list[str]]:
    a = replay.assumptions
    flows = replay.flows
    revenue = sum((r["revenue"] for r in rows), Decimal(0))
    margin = None if replay.margin_cents is None else sum((r["margin"] for r in rows), Decimal(0))
    cost = sum((r["reward_cost"] for r in rows), Decimal(0))
    kept = int(flows.issued.sum() - flows.expired.sum())
    accrued = quantize_money(kept * cost_per_point)
    outstanding = int(flows.outstanding[-1]) if len(rows) else 0
    notes = []
    if margin is None:
        notes.append(
            "no margin: the purchases carry no costs; give --margin RATE for the"
            " cost's share of margin and the break-even uplift"
        )
    elif replay.margin_from_costs:
        notes.append("margin from the purchases' line costs")
    else:
        notes.append(f"margin at the given rate {a.margin_rate} of revenue")
    summary = {
        "program": replay.program.name,
        "from": a.start,
        "to": a.end,
        "members": int(replay.enrolled_by[-1]) if len(rows) else 0,
        "purchases": int(np.sum(replay.purchases)),
        "revenue": revenue,
        "margin": margin,
        "points_issued": int(flows.issued.sum()),
        "points_redeemed": int(flows.redeemed.sum()),
        "points_expired": int(flows.expired.sum()),
        "points_outstanding": outstanding,
        "liability": quantize_money(outstanding * value),
        "reward_cost": cost,
        "accrued_cost": accrued,
        "cost_share_of_revenue": _share(cost, revenue),
        "cost_share_of_margin": _share(cost, margin),
        "break_even_uplift": _share(cost, margin),
        "break_even_uplift_accrued": _share(accrued, margin),
        "redeem_rate": a.redeem_rate,
        "point_value": value,
        # shown to six places (the catalog's ratio has 28): the figures above use it whole
        "point_cost": cost_per_point.quantize(SHARE_PLACES).normalize(),
        "margin_rate": _share(margin, revenue) if margin is not None else None,
    }
    return summary, notes


COMPARISON_KINDS: dict[str, Kind] = {
    "month": Kind.TEXT,
    "measure": Kind.TEXT,
    "program": Kind.NUMBER,
    "other": Kind.NUMBER,
    "difference": Kind.NUMBER,
}


def comparison(this: Figures, other: Figures) -> list[dict[str, Any]]:
    """Both programs' figures side by side, with other − this: the period's summary
    first (month "all"), then month by month; a tier only one program has counts 0 in
    the other. Each row carries the kind of its measure (`kind`) for output."""
    rows = []
    for measure, kind in SUMMARY_KINDS.items():
        if measure in ("program", "from", "to"):
            continue
        rows.append(
            _pair("all", measure, kind, this.summary.get(measure), other.summary.get(measure))
        )
    for mine, theirs in zip(this.months, other.months, strict=True):
        month = f"{mine['month']:%Y-%m}"
        kinds = this.kinds | other.kinds
        for measure, kind in kinds.items():
            if measure == "month":
                continue
            a, b = mine.get(measure), theirs.get(measure)
            if measure.startswith("members_"):
                a, b = a or 0, b or 0
            rows.append(_pair(month, measure, kind, a, b))
    return rows


def _pair(month: str, measure: str, kind: Kind, a: Any, b: Any) -> dict[str, Any]:
    """One measure of both programs; the point's value and cost (decimals written in
    full, TEXT) keep their kind, so 0.005 is not shown as 0.01."""
    difference = None if a is None or b is None else b - a
    return {
        "month": month,
        "measure": measure,
        "kind": kind,
        "program": a,
        "other": b,
        "difference": difference,
    }
