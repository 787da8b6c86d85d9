"""What `verify` compares: each total the store keeps beside the records it is the sum of.

Sums come back to Python as Decimals and are compared there, in cents: on SQLite a
NUMERIC sum goes through a float, which `verify` rounds back to the cents it stood for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from patron.domain.records import RedemptionStatus
from patron.store import tables as t
from patron.store.base import Repo, decimal


@dataclass(frozen=True, slots=True)
class BalanceTotals:
    """A member's cached balance, the sum of their ledger entries, of their open lots."""

    member_id: int
    balance: int
    entries: int
    lots: int


@dataclass(frozen=True, slots=True)
class LotMismatch:
    lot_id: int
    member_id: int


@dataclass(frozen=True, slots=True)
class RefundedTotals:
    """A purchase's stored `refunded_total` and the sum of its refunds' amounts."""

    purchase_id: int
    member_id: int
    refunded_total: Decimal
    refunds: Decimal


@dataclass(frozen=True, slots=True)
class MemberTotals:
    """A member's stored counters beside what their purchases and refunds add up to."""

    member_id: int
    purchase_count: int
    lifetime_spend: Decimal
    purchases: int
    spent: Decimal
    returned: Decimal


@dataclass(frozen=True, slots=True)
class ProgramVersion:
    version: int
    loaded_at: datetime
    definition: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RewardStock:
    reward_id: str
    stock: int


class Totals(Repo):
    def balances(self) -> list[BalanceTotals]:
        """Per member: cached balance, sum of entries, sum of open lots."""
        e, lot, m = t.ledger_entries, t.point_lots, t.members
        entries = (
            select(e.c.member_id, func.sum(e.c.points).label("entries"))
            .group_by(e.c.member_id)
            .subquery()
        )
        lots = (
            select(lot.c.member_id, func.sum(lot.c.remaining).label("lots"))
            .group_by(lot.c.member_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(
                m.c.id,
                m.c.balance,
                func.coalesce(entries.c.entries, 0),
                func.coalesce(lots.c.lots, 0),
            )
            .select_from(
                m.outerjoin(entries, entries.c.member_id == m.c.id).outerjoin(
                    lots, lots.c.member_id == m.c.id
                )
            )
            .order_by(m.c.id)
        )
        return [BalanceTotals(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]

    def lot_mismatches(self) -> list[LotMismatch]:
        """Lots whose remaining points differ from their original minus allocations."""
        lot, a = t.point_lots, t.lot_allocations
        allocated = (
            select(a.c.lot_id, func.sum(a.c.points).label("taken")).group_by(a.c.lot_id).subquery()
        )
        rows = self.conn.execute(
            select(lot.c.id, lot.c.member_id)
            .select_from(lot.outerjoin(allocated, allocated.c.lot_id == lot.c.id))
            .where(lot.c.points - func.coalesce(allocated.c.taken, 0) != lot.c.remaining)
            .order_by(lot.c.id)
        )
        return [LotMismatch(int(r[0]), int(r[1])) for r in rows]

    def refunded(self) -> list[RefundedTotals]:
        """Per purchase with refunds or a refunded total: stored vs Σ refund amounts."""
        p, r = t.purchases, t.refunds
        summed = (
            select(r.c.purchase_id, func.sum(r.c.amount).label("summed"))
            .group_by(r.c.purchase_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(p.c.id, p.c.member_id, p.c.refunded_total, summed.c.summed)
            .select_from(p.outerjoin(summed, summed.c.purchase_id == p.c.id))
            .where((summed.c.summed.is_not(None)) | (p.c.refunded_total != 0))
            .order_by(p.c.id)
        )
        return [
            RefundedTotals(int(row[0]), int(row[1]), decimal(row[2]), decimal(row[3]))
            for row in rows
        ]

    def members(self) -> list[MemberTotals]:
        """Per member: stored purchase count and lifetime spend, the count of their
        purchases, Σ purchase totals and Σ refund amounts."""
        p, r, m = t.purchases, t.refunds, t.members
        bought = (
            select(
                p.c.member_id,
                func.count().label("purchases"),
                func.sum(p.c.total).label("spent"),
            )
            .group_by(p.c.member_id)
            .subquery()
        )
        returned = (
            select(r.c.member_id, func.sum(r.c.amount).label("returned"))
            .group_by(r.c.member_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(
                m.c.id,
                m.c.purchase_count,
                m.c.lifetime_spend,
                func.coalesce(bought.c.purchases, 0),
                bought.c.spent,
                returned.c.returned,
            )
            .select_from(
                m.outerjoin(bought, bought.c.member_id == m.c.id).outerjoin(
                    returned, returned.c.member_id == m.c.id
                )
            )
            .order_by(m.c.id)
        )
        return [
            MemberTotals(
                int(row[0]),
                int(row[1]),
                decimal(row[2]),
                int(row[3]),
                decimal(row[4]),
                decimal(row[5]),
            )
            for row in rows
        ]

    def program_versions(self) -> list[ProgramVersion]:
        """Every program version: number, load time and definition (JSON), oldest first."""
        p = t.programs
        rows = self.conn.execute(
            select(p.c.version, p.c.loaded_at, p.c.definition).order_by(p.c.version)
        )
        return [ProgramVersion(int(r[0]), r[1], dict(r[2] or {})) for r in rows]

    def rewards_with_stock(self) -> list[RewardStock]:
        """Active rewards of limited stock and the count left."""
        w = t.rewards
        rows = self.conn.execute(
            select(w.c.id, w.c.stock)
            .where(w.c.active.is_(True), w.c.stock.is_not(None))
            .order_by(w.c.id)
        )
        return [RewardStock(r[0], int(r[1])) for r in rows]

    def redemptions_since(self, reward_id: str, since: datetime) -> tuple[int, int]:
        """(Redemptions of the reward made at or after `since` and not cancelled, those
        made before `since` and cancelled at or after it)."""
        r = t.redemptions
        taken = select(func.count()).where(
            r.c.reward_id == reward_id,
            r.c.created_at >= since,
            r.c.status == RedemptionStatus.COMPLETED,
        )
        given_back = select(func.count()).where(
            r.c.reward_id == reward_id,
            r.c.created_at < since,
            r.c.status == RedemptionStatus.CANCELLED,
            r.c.cancelled_at >= since,
        )
        return (
            int(self.conn.execute(taken).scalar_one()),
            int(self.conn.execute(given_back).scalar_one()),
        )

    def event_seats(self) -> list[tuple[str, int, int, int]]:
        """Each event's (reward id, seats taken, capacity, RSVPs holding a seat: attending
        or attended)."""
        e, v = t.event_seats, t.rsvps
        held = (
            select(func.count())
            .where(v.c.reward_id == e.c.reward_id, v.c.state.in_(("attending", "attended")))
            .scalar_subquery()
        )
        rows = self.conn.execute(
            select(e.c.reward_id, e.c.taken, e.c.capacity, held).order_by(e.c.reward_id)
        )
        return [(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]
