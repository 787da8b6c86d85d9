"""The budget against its actuals, by month and category, with the variance.

Design overview. An actual comes from its category's *sources*: a source is a function
`(uow, months) -> {month: amount}` named in `ACTUAL_SOURCES`, and a category's actual is
the sum of its sources. Patron knows five itself: what the rewards redeemed cost the
business and the discounts granted through points (redemptions not cancelled, by month of
the redemption), the event seats given free for a tier at their cost (by month of the
seat; docs/rewards.md, "Events"), the change of the points liability over the month
(analytics/liability.liability_changes), and the campaigns' messages sent, each at its
channel's unit cost in the program in force (`campaign_messages`, beside the
communication spend entered by hand). The other categories read the spend entered by
hand (`entered`).

variance = actual − planned (positive: spent more than planned); variance_pct =
variance / planned, none when nothing was planned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from patron.analytics.liability import liability_changes
from patron.domain.budget import BudgetCategory
from patron.domain.errors import InvalidInput, NoProgram
from patron.domain.money import CENT
from patron.domain.months import key, months_between, next_month, start_of
from patron.store.uow import UnitOfWork

ActualSource = Callable[[UnitOfWork, Sequence[date]], dict[date, Decimal]]


def _costs(uow: UnitOfWork, months: Sequence[date], part: str) -> dict[date, Decimal]:
    costs = uow.budget.redemption_costs(start_of(min(months)), start_of(next_month(max(months))))
    by_key = {c.month: getattr(c, part) for c in costs}
    return {m: by_key.get(key(m), Decimal("0.00")) for m in months}


def rewards_redeemed(uow: UnitOfWork, months: Sequence[date]) -> dict[date, Decimal]:
    """Catalog rewards redeemed in the month and not cancelled, at their cost."""
    return _costs(uow, months, "rewards")


def discounts_granted(uow: UnitOfWork, months: Sequence[date]) -> dict[date, Decimal]:
    """Points redeemed as money off in the month and not cancelled, at the point value."""
    return _costs(uow, months, "discounts")


def free_event_seats(uow: UnitOfWork, months: Sequence[date]) -> dict[date, Decimal]:
    """Event seats given free for a tier in the month and not given up, at the event's
    cost (a paid seat counts in `rewards_redeemed`, as its redemption)."""
    costs = uow.budget.free_seat_costs(start_of(min(months)), start_of(next_month(max(months))))
    return {m: costs.get(key(m), Decimal("0.00")) for m in months}


def liability_change(uow: UnitOfWork, months: Sequence[date]) -> dict[date, Decimal]:
    """The points liability at the month's end less at its start."""
    return liability_changes(uow, list(months))


def campaign_messages(uow: UnitOfWork, months: Sequence[date]) -> dict[date, Decimal]:
    """The campaigns' messages sent in the month, each at its channel's unit cost in the
    program in force (`[messages] unit_cost`)."""
    found = dict.fromkeys(months, Decimal("0.00"))
    current = uow.programs.current()
    if current is None:
        return found
    prices = current[1].messages.unit_cost
    sent = uow.campaigns.sent_by_month(start_of(min(months)), start_of(next_month(max(months))))
    by_key = {key(m): m for m in months}
    for (month, channel), count in sent.items():
        if month in by_key:
            found[by_key[month]] += count * getattr(prices, channel, Decimal(0))
    return {m: amount.quantize(CENT, ROUND_HALF_UP) for m, amount in found.items()}


def entered(category: BudgetCategory) -> ActualSource:
    """The spend entered for `category`, summed by month."""

    def source(uow: UnitOfWork, months: Sequence[date]) -> dict[date, Decimal]:
        found = dict.fromkeys(months, Decimal("0.00"))
        for entry in uow.budget.spend(min(months), max(months)):
            if entry.category is category and entry.month in found:
                found[entry.month] += entry.amount
        return found

    return source


# the seam: one more source of a category's actual is one more (name, function) here
ACTUAL_SOURCES: Mapping[BudgetCategory, tuple[tuple[str, ActualSource], ...]] = {
    BudgetCategory.REWARDS: (
        ("rewards_redeemed", rewards_redeemed),
        ("discounts_granted", discounts_granted),
        ("free_event_seats", free_event_seats),
    ),
    BudgetCategory.POINTS_LIABILITY: (("liability_change", liability_change),),
    BudgetCategory.COMMUNICATION: (
        ("entered", entered(BudgetCategory.COMMUNICATION)),
        ("campaign_messages", campaign_messages),
    ),
    **{
        category: (("entered", entered(category)),)
        for category in (
            BudgetCategory.LOGISTICS,
            BudgetCategory.STAFF,
            BudgetCategory.PLATFORM,
            BudgetCategory.OTHER,
        )
    },
}


@dataclass(frozen=True)
class BudgetRow:
    month: date
    category: BudgetCategory
    planned: Decimal | None
    actual: Decimal
    sources: dict[str, Decimal] = field(default_factory=dict)

    @property
    def variance(self) -> Decimal:
        return self.actual - (self.planned or Decimal(0))

    @property
    def variance_pct(self) -> float | None:
        if not self.planned:
            return None
        return float(self.variance / self.planned)

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": key(self.month),
            "category": self.category.value,
            "planned": self.planned,
            "actual": self.actual,
            "variance": self.variance,
            "variance_pct": self.variance_pct,
            "sources": {name: str(amount) for name, amount in self.sources.items()},
        }


@dataclass(frozen=True)
class BudgetReport:
    currency: str
    rows: list[BudgetRow]

    def totals(self) -> list[dict[str, Any]]:
        """Per month: planned, actual and variance over every category."""
        months: dict[date, list[BudgetRow]] = {}
        for row in self.rows:
            months.setdefault(row.month, []).append(row)
        found = []
        for month, rows in months.items():
            planned = sum((r.planned or Decimal(0) for r in rows), Decimal("0.00"))
            actual = sum((r.actual for r in rows), Decimal("0.00"))
            found.append(
                {"month": key(month), "planned": planned, "actual": actual,
                 "variance": actual - planned,
                 "variance_pct": float((actual - planned) / planned) if planned else None}
            )  # fmt: skip
        return found


def budget_report(
    uow: UnitOfWork,
    first: date,
    last: date,
    sources: Mapping[BudgetCategory, tuple[tuple[str, ActualSource], ...]] = ACTUAL_SOURCES,
) -> BudgetReport:
    """Plan against actual for every month from `first` to `last` and every category that
    has a plan or an actual in it."""
    found_program = uow.programs.current()
    if found_program is None:
        raise NoProgram()
    if first > last:
        raise InvalidInput(f"from: {key(first)} is after to: {key(last)}")
    months = months_between(first, last)
    if len(months) > 120:
        raise InvalidInput(f"from, to: at most 120 months at once, not {len(months)}")
    plans = {(p.month, p.category): p.amount for p in uow.budget.plans(first, last)}
    rows = []
    for category in BudgetCategory:
        parts = {name: source(uow, months) for name, source in sources.get(category, ())}
        for month in months:
            amounts = {name: part.get(month, Decimal("0.00")) for name, part in parts.items()}
            actual = sum(amounts.values(), Decimal("0.00")).quantize(CENT, ROUND_HALF_UP)
            planned = plans.get((month, category))
            if planned is None and not actual:
                continue
            rows.append(BudgetRow(month, category, planned, actual, amounts))
    rows.sort(key=lambda r: (r.month, list(BudgetCategory).index(r.category)))
    return BudgetReport(found_program[1].currency, rows)
