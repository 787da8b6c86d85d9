"""Scoring a purchase: how many points it earns, and why.

`score` is pure: given the program, the member's state before the purchase and the
purchase itself it returns the points per line (so that a refund of some lines can take
back exactly what those lines earned) and order-level bonuses, with a breakdown naming
every rule that applied. Multipliers compound per line; each stage is rounded with the
program's rule and the breakdown records the difference, so the items always sum to the
total.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from patron.domain.errors import InvalidInput
from patron.domain.limits import MAX_AMOUNT, MAX_LINES, MAX_QUANTITY, MAX_UNIT_AMOUNT
from patron.domain.lots import Burning
from patron.domain.money import Points, quantize_money, to_points
from patron.domain.program import Milestone, MilestoneKind, Program

NO_SKU = "*"  # the sku of a line imported without one: the product is unknown


@dataclass(frozen=True, slots=True)
class Line:
    sku: str
    category: str | None
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class PurchaseFacts:
    occurred_at: datetime
    currency: str
    lines: tuple[Line, ...]
    promotion_code: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def cost_of(lines: Iterable[Line]) -> Decimal | None:
    """Cost of goods of a purchase, or None unless every line's unit cost is known (a
    partial cost would overstate the margin)."""
    total = Decimal(0)
    for line in lines:
        if line.unit_cost is None:
            return None
        total += line.unit_cost * line.quantity
    return quantize_money(total)


def amounts_problem(lines: Sequence[Line]) -> tuple[str, str] | None:
    """What of a purchase of these lines cannot be stored, or None: its total ("amount")
    or the sum of its known costs ("cost") over `limits.MAX_AMOUNT`, each rounded to cents
    as it is stored; with the reason. Bounding the known costs, not only a complete cost,
    keeps one rule for the API and the import, whose orders may gain a line without one."""
    total = quantize_money(sum((line.amount for line in lines), Decimal(0)))
    if total > MAX_AMOUNT:
        return "amount", f"the lines total {total}, more than a purchase may ({MAX_AMOUNT})"
    costs = [line.unit_cost * line.quantity for line in lines if line.unit_cost is not None]
    cost = quantize_money(sum(costs, Decimal(0)))
    if cost > MAX_AMOUNT:
        return "cost", f"the lines' costs come to {cost}, more than a purchase's may ({MAX_AMOUNT})"
    return None


@dataclass(frozen=True, slots=True)
class MemberState:
    """What scoring needs to know of the member before this purchase.

    `milestones_paid` names the milestones the member holds already (paid by a purchase
    that has not been fully returned): a milestone is paid once per member. `clubs` are
    the clubs they are a member of: each club's multiplier applies to its categories.
    """

    tier: str
    purchase_count: int = 0
    cumulative_spend: Decimal = Decimal(0)
    milestones_paid: frozenset[str] = frozenset()
    clubs: frozenset[str] = frozenset()  # the ids of the clubs the member is in


@dataclass(frozen=True, slots=True)
class BreakdownItem:
    rule: str
    points: Points


@dataclass(frozen=True, slots=True)
class Earning:
    """`burning`: the part of `bonus_points` that burns on its own (a promotion's or a
    milestone's bonus with `valid_days`), one lot each; the rest is one lot."""

    line_points: tuple[Points, ...]
    bonus_points: Points
    breakdown: tuple[BreakdownItem, ...] = field(default_factory=tuple)
    burning: tuple[Burning, ...] = ()

    @property
    def points(self) -> Points:
        return sum(self.line_points) + self.bonus_points


def validate_purchase(program: Program, purchase: PurchaseFacts) -> None:
    """Refuse a purchase the engine cannot score, before anything is written."""
    if purchase.currency != program.currency:
        raise InvalidInput(
            f"purchase currency {purchase.currency} differs from the program's {program.currency}"
        )
    if not 1 <= len(purchase.lines) <= MAX_LINES:
        raise InvalidInput(f"a purchase needs 1 to {MAX_LINES} lines, not {len(purchase.lines)}")
    for i, line in enumerate(purchase.lines):
        if not 0 < line.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"lines[{i}].quantity must be from 1 to {MAX_QUANTITY}")
        if not 0 <= line.unit_price <= MAX_UNIT_AMOUNT:
            raise InvalidInput(f"lines[{i}].unit_price must be from 0 to {MAX_UNIT_AMOUNT}")
        if line.unit_cost is not None and not 0 <= line.unit_cost <= MAX_UNIT_AMOUNT:
            raise InvalidInput(f"lines[{i}].unit_cost must be from 0 to {MAX_UNIT_AMOUNT}")
    problem = amounts_problem(purchase.lines)
    if problem is not None:
        raise InvalidInput(f"lines: {problem[1]}")


def score(program: Program, member: MemberState, purchase: PurchaseFacts) -> Earning:
    validate_purchase(program, purchase)
    totals: dict[str, Points] = defaultdict(int)
    line_points = tuple(
        _score_line(program, member, purchase, line, totals) for line in purchase.lines
    )
    bonus = 0
    burning: list[Burning] = []
    for rule, points, valid_days in _order_bonuses(program, member, purchase):
        totals[rule] += points
        bonus += points
        if valid_days is not None:
            burning.append(Burning(points, valid_days))
    breakdown = tuple(BreakdownItem(rule, pts) for rule, pts in totals.items() if pts)
    return Earning(line_points, bonus, breakdown, tuple(burning))


def _multipliers(
    program: Program, member: MemberState, purchase: PurchaseFacts, line: Line
) -> list[tuple[str, Decimal]]:
    found: list[tuple[str, Decimal]] = []
    if line.category is not None and line.category in program.categories:
        found.append(
            (
                f"category {line.category} x{program.categories[line.category]}",
                program.categories[line.category],
            )
        )
    tier = program.tiers.by_name(member.tier)
    if tier.multiplier != 1:
        found.append((f"tier {tier.name} x{tier.multiplier}", tier.multiplier))
    for club in program.clubs:
        if club.id not in member.clubs or club.multiplier == 1:
            continue
        if club.categories and line.category not in club.categories:
            continue
        found.append((f"club {club.id} x{club.multiplier}", club.multiplier))
    day = purchase.occurred_at.date()
    for promo in program.promotions:
        if promo.multiplier is None or not promo.applies(day, purchase.promotion_code):
            continue
        if promo.categories and line.category not in promo.categories:
            continue
        found.append((f"promotion {promo.name} x{promo.multiplier}", promo.multiplier))
    return found


def _score_line(
    program: Program,
    member: MemberState,
    purchase: PurchaseFacts,
    line: Line,
    totals: dict[str, Points],
) -> Points:
    rounding = program.earning.rounding
    exact = line.amount * program.earning.points_per_unit
    points = to_points(exact, rounding)
    totals["base"] += points
    for rule, factor in _multipliers(program, member, purchase, line):
        exact *= factor
        stage = to_points(exact, rounding)
        totals[rule] += stage - points
        points = stage
    return points


def _order_bonuses(
    program: Program, member: MemberState, purchase: PurchaseFacts
) -> list[tuple[str, Points, int | None]]:
    """Each bonus: its rule, its points and the days it stays valid (None: as any point)."""
    found: list[tuple[str, Points, int | None]] = []
    day = purchase.occurred_at.date()
    categories = {line.category for line in purchase.lines}
    for promo in program.promotions:
        if promo.bonus is None or not promo.applies(day, purchase.promotion_code):
            continue
        if promo.categories and not categories.intersection(promo.categories):
            continue
        rule = f"promotion {promo.name} +{promo.bonus}"
        found.append((rule, promo.bonus, promo.valid_days))
    for ms in crossed_milestones(program, member, purchase):
        if ms.bonus is not None and ms.name not in member.milestones_paid:
            found.append((milestone_rule(ms), ms.bonus, ms.valid_days))
    return found


def crossed_milestones(
    program: Program, member: MemberState, purchase: PurchaseFacts
) -> list[Milestone]:
    """Milestones this purchase takes from below to at or above their threshold.

    Cumulative spend is net of refunds, so a member can cross the same threshold twice;
    whether the milestone is paid again is `MemberState.milestones_paid`'s business.
    """
    crossed = []
    for ms in program.milestones:
        if ms.kind is MilestoneKind.PURCHASE_COUNT:
            before, after = Decimal(member.purchase_count), Decimal(member.purchase_count + 1)
        else:
            before = member.cumulative_spend
            after = member.cumulative_spend + purchase.total
        if before < ms.threshold <= after:
            crossed.append(ms)
    return crossed


_MILESTONE_RULE = re.compile(r"milestone (?P<name>.+) \+\d+")


def milestone_rule(ms: Milestone) -> str:
    """How a paid milestone is named in a purchase's breakdown."""
    return f"milestone {ms.name} +{ms.bonus}"


def milestone_named(rule: str) -> str | None:
    """The milestone a breakdown rule pays, or None when the rule is no milestone."""
    found = _MILESTONE_RULE.fullmatch(rule)
    return found["name"] if found else None


def points_to_take_back(
    line_points: Points, quantity: int, refunded_before: int, refunding: int
) -> Points:
    """Points a partial return of a line takes back, exact once the line is fully returned.

    Proportional shares are computed on cumulative quantities, so returning a line in
    several steps takes back exactly what the line earned, never a point more or less.
    """
    if refunding <= 0 or refunded_before + refunding > quantity:
        raise InvalidInput(
            f"cannot return {refunding} more of a line of {quantity}"
            f" ({refunded_before} already returned)"
        )
    after = line_points * (refunded_before + refunding) // quantity
    before = line_points * refunded_before // quantity
    return after - before
