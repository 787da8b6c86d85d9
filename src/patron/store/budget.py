"""The budget in the store: plan lines (one per month and category, replaced when set
again), spend entries (only added), and what redemptions cost by month, the actual
spend on rewards that Patron knows itself (analytics/budget.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, and_, case, func, select, update

from patron.domain.budget import BudgetCategory, BudgetSpend, PlanLine
from patron.domain.records import RedemptionStatus
from patron.domain.rsvp import RsvpState
from patron.store import tables as t
from patron.store.base import Repo, decimal, insert_row

_PLAN, _SPEND, _R, _V = t.budget_plans, t.budget_spend, t.redemptions, t.rsvps


@dataclass(frozen=True, slots=True)
class RedemptionCost:
    """What the redemptions of a month (not cancelled) cost the business: catalog rewards
    at their cost, and discounts (points spent as money off) at their value."""

    month: str  # YYYY-MM
    rewards: Decimal
    discounts: Decimal


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _plan(row: Row[Any]) -> PlanLine:
    return PlanLine(
        month=_day(row.month),
        category=BudgetCategory(row.category),
        amount=decimal(row.amount).quantize(Decimal("0.01")),
        currency=row.currency,
        note=row.note,
        set_at=row.set_at,
        set_by=row.set_by,
    )


def _spend(row: Row[Any]) -> BudgetSpend:
    return BudgetSpend(
        id=int(row.id),
        month=_day(row.month),
        category=BudgetCategory(row.category),
        amount=decimal(row.amount).quantize(Decimal("0.01")),
        currency=row.currency,
        note=row.note,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
    )


class Budget(Repo):
    def plan(self, month: date, category: BudgetCategory) -> PlanLine | None:
        row = self.conn.execute(
            select(_PLAN).where(_PLAN.c.month == month, _PLAN.c.category == category.value)
        ).first()
        return _plan(row) if row is not None else None

    def set_plan(self, line: PlanLine) -> None:
        """Write the line, replacing the one for its month and category if there is one
        (the caller has read it, in the same transaction, to audit the change)."""
        values = {
            "amount": line.amount,
            "currency": line.currency,
            "note": line.note,
            "set_at": line.set_at,
            "set_by": line.set_by,
        }
        changed = self.conn.execute(
            update(_PLAN)
            .where(_PLAN.c.month == line.month, _PLAN.c.category == line.category.value)
            .values(**values)
        ).rowcount
        if not changed:
            insert_row(
                self.conn, _PLAN, {"month": line.month, "category": line.category.value, **values}
            )

    def plans(self, start: date, end: date) -> list[PlanLine]:
        """Plan lines of the months from `start` to `end` (first days, both included)."""
        rows = self.conn.execute(
            select(_PLAN)
            .where(_PLAN.c.month >= start, _PLAN.c.month <= end)
            .order_by(_PLAN.c.month, _PLAN.c.category)
        )
        return [_plan(r) for r in rows]

    def add_spend(self, entry: BudgetSpend) -> BudgetSpend:
        new_id = insert_row(
            self.conn,
            _SPEND,
            {
                "month": entry.month,
                "category": entry.category.value,
                "amount": entry.amount,
                "currency": entry.currency,
                "note": entry.note,
                "recorded_at": entry.recorded_at,
                "recorded_by": entry.recorded_by,
            },
        )
        return BudgetSpend(
            new_id, entry.month, entry.category, entry.amount, entry.currency, entry.note,
            entry.recorded_at, entry.recorded_by,
        )  # fmt: skip

    def spend(self, start: date, end: date) -> list[BudgetSpend]:
        """Spend entries of the months from `start` to `end` (first days, both included)."""
        rows = self.conn.execute(
            select(_SPEND)
            .where(_SPEND.c.month >= start, _SPEND.c.month <= end)
            .order_by(_SPEND.c.month, _SPEND.c.category, _SPEND.c.id)
        )
        return [_spend(r) for r in rows]

    def redemption_costs(self, start: datetime, end: datetime) -> list[RedemptionCost]:
        """The cost of the redemptions made in [start, end) and not cancelled, by month of
        the redemption: one grouped query."""
        postgres = self.conn.dialect.name == "postgresql"
        month = (
            func.to_char(_R.c.created_at, "YYYY-MM")
            if postgres
            else func.strftime("%Y-%m", _R.c.created_at)
        ).label("month")
        discount = _R.c.reward_id.is_(None)
        rows = self.conn.execute(
            select(
                month,
                func.sum(case((discount, 0), else_=_R.c.cost)).label("rewards"),
                func.sum(case((discount, _R.c.cost), else_=0)).label("discounts"),
            )
            .where(
                and_(
                    _R.c.created_at >= start,
                    _R.c.created_at < end,
                    _R.c.status != RedemptionStatus.CANCELLED.value,
                )
            )
            .group_by(month)
        )
        cent = Decimal("0.01")
        return [
            RedemptionCost(
                str(r.month), decimal(r.rewards).quantize(cent), decimal(r.discounts).quantize(cent)
            )
            for r in rows
        ]

    def free_seat_costs(self, start: datetime, end: datetime) -> dict[str, Decimal]:
        """The cost of the event seats given free for a tier (no redemption pays them),
        taken in [start, end) and not given up, by month of the seat (YYYY-MM); a paid
        seat's cost is its redemption's."""
        postgres = self.conn.dialect.name == "postgresql"
        month = (
            func.to_char(_V.c.seated_at, "YYYY-MM")
            if postgres
            else func.strftime("%Y-%m", _V.c.seated_at)
        ).label("month")
        rows = self.conn.execute(
            select(month, func.sum(_V.c.cost))
            .where(
                _V.c.seated_at >= start,
                _V.c.seated_at < end,
                _V.c.redemption_id.is_(None),
                _V.c.state.in_([RsvpState.ATTENDING.value, RsvpState.ATTENDED.value]),
            )
            .group_by(month)
        )
        return {str(r[0]): decimal(r[1]).quantize(Decimal("0.01")) for r in rows}
