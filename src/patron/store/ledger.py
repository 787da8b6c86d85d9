"""The ledger in the store: entries, the lots credits open and the allocations that take
points out of lots (domain/lots.py decides which; docs/ledger.md states the invariants).

The statements a purchase runs are built once, with named parameters
(bench/README.md, "Statements built once"). A credit's entry and its lot are one
statement on PostgreSQL, sent to the driver itself (driver.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update

from patron.domain.ledger import NO_REFS, EntryRefs, LedgerEntry
from patron.domain.lots import Allocation, Lot
from patron.domain.records import EntryKind
from patron.store import tables as t
from patron.store.base import INSERT, Repo, insert_row
from patron.store.driver import driver

_E, _LOT, _ALLOCATION = t.ledger_entries, t.point_lots, t.lot_allocations
_OPEN_LOTS = (
    select(_LOT)
    .where(_LOT.c.member_id == bindparam("member_id"), _LOT.c.remaining > 0)
    .order_by(_LOT.c.id)
)
_ENTRY_COLUMNS = (
    "member_id",
    "kind",
    "points",
    "occurred_at",
    "purchase_id",
    "refund_id",
    "redemption_id",
    "actor",
    "reason",
)
# PostgreSQL: the entry and the lot it opens in one statement
_CREDIT = f"""\
WITH e AS (
  INSERT INTO ledger_entries ({", ".join(_ENTRY_COLUMNS)})
  VALUES ({", ".join(f"%({c})s" for c in _ENTRY_COLUMNS)})
  RETURNING id
)
INSERT INTO point_lots (member_id, entry_id, points, remaining, earned_at, available_at, expires_at)
SELECT %(member_id)s, e.id, %(points)s, %(points)s, %(occurred_at)s, %(available_at)s,
  %(expires_at)s::timestamp
FROM e
RETURNING entry_id, id"""
_TAKE = (
    update(_LOT)
    .where(_LOT.c.id == bindparam("lot_id_"))
    .values(remaining=_LOT.c.remaining - bindparam("taken"))
)


@dataclass(frozen=True, slots=True)
class LotToWarn:
    """An open lot whose expiry is near and whose member has not been warned of it."""

    id: int
    member_id: int
    remaining: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LotRecord:
    """A lot as stored, spent or not: what the member's export shows."""

    id: int
    entry_id: int
    points: int
    remaining: int
    earned_at: datetime
    available_at: datetime
    expires_at: datetime | None


def lot_record(row: Row[Any]) -> LotRecord:
    return LotRecord(
        id=int(row.id),
        entry_id=int(row.entry_id),
        points=int(row.points),
        remaining=int(row.remaining),
        earned_at=row.earned_at,
        available_at=row.available_at,
        expires_at=row.expires_at,
    )


def _lot(row: Row[Any]) -> Lot:
    return Lot(
        id=int(row.id),
        remaining=int(row.remaining),
        earned_at=row.earned_at,
        available_at=row.available_at,
        expires_at=row.expires_at,
    )


def entry(row: Row[Any]) -> LedgerEntry:
    """A row of `ledger_entries` as the record (the member's export reads them too)."""
    return LedgerEntry(
        id=int(row.id),
        member_id=int(row.member_id),
        kind=EntryKind(row.kind),
        points=int(row.points),
        occurred_at=row.occurred_at,
        purchase_id=row.purchase_id,
        refund_id=row.refund_id,
        redemption_id=row.redemption_id,
        actor=row.actor,
        reason=row.reason,
    )


class Ledger(Repo):
    def add_entry(
        self,
        member_id: int,
        kind: EntryKind,
        points: int,
        at: datetime,
        refs: EntryRefs = NO_REFS,
    ) -> int:
        """One ledger entry. `EntryKind(kind)` refuses a word outside the enum before any SQL
        (the column has no CHECK constraint), also from callers mypy does not see."""
        return insert_row(
            self.conn,
            _E,
            {
                "member_id": member_id,
                "kind": EntryKind(kind).value,
                "points": points,
                "occurred_at": at,
                "purchase_id": refs.purchase_id,
                "refund_id": refs.refund_id,
                "redemption_id": refs.redemption_id,
                "actor": refs.actor,
                "reason": refs.reason,
            },
        )

    def credit(
        self,
        member_id: int,
        kind: EntryKind,
        points: int,
        at: datetime,
        refs: EntryRefs,
        available_at: datetime,
        expires_at: datetime | None,
    ) -> tuple[int, int]:
        """A credit's entry and the lot it opens, earned `at` (entry id, lot id)."""
        pg = driver(self.conn)
        if pg is None:
            entry_id = self.add_entry(member_id, kind, points, at, refs)
            return entry_id, self.open_lot(
                member_id, entry_id, points, at, available_at, expires_at
            )
        row = pg.one(
            _CREDIT,
            {
                "member_id": member_id,
                "kind": EntryKind(kind).value,
                "points": points,
                "occurred_at": at,
                "purchase_id": refs.purchase_id,
                "refund_id": refs.refund_id,
                "redemption_id": refs.redemption_id,
                "actor": refs.actor,
                "reason": refs.reason,
                "available_at": available_at,
                "expires_at": expires_at,
            },
        )
        assert row is not None
        return int(row[0]), int(row[1])

    def open_lot(
        self,
        member_id: int,
        entry_id: int,
        points: int,
        earned_at: datetime,
        available_at: datetime,
        expires_at: datetime | None,
    ) -> int:
        return insert_row(
            self.conn,
            _LOT,
            {
                "member_id": member_id,
                "entry_id": entry_id,
                "points": points,
                "remaining": points,
                "earned_at": earned_at,
                "available_at": available_at,
                "expires_at": expires_at,
            },
        )

    def lots_of_purchase(self, purchase_id: int) -> list[int]:
        """The lot(s) a purchase's points went into, which its refund takes back first."""
        rows = self.conn.execute(
            select(_LOT.c.id)
            .join(_E, _E.c.id == _LOT.c.entry_id)
            .where(_E.c.purchase_id == purchase_id, _E.c.kind == EntryKind.EARN)
        )
        return [int(r[0]) for r in rows]

    def open_lots(self, member_id: int) -> list[Lot]:
        return [_lot(r) for r in self.conn.execute(_OPEN_LOTS, {"member_id": member_id})]

    def open_lots_of(self, member_ids: Iterable[int]) -> dict[int, list[Lot]]:
        """The open lots of many members at once (a batch of messages), by member, each
        member's in the order of `open_lots`; a member without any left out."""
        ids = sorted(set(member_ids))
        found: dict[int, list[Lot]] = {}
        for start in range(0, len(ids), 1000):
            query = (
                select(_LOT)
                .where(_LOT.c.member_id.in_(ids[start : start + 1000]), _LOT.c.remaining > 0)
                .order_by(_LOT.c.id)
            )
            for row in self.conn.execute(query):
                found.setdefault(int(row.member_id), []).append(_lot(row))
        return found

    def apply(self, member_id: int, entry_id: int, allocations: Iterable[Allocation]) -> None:
        """Take (positive) or give back (negative) points from lots, and record it."""
        taken = [(lot_id, points) for lot_id, points in allocations if points]
        if not taken:
            return
        self.conn.execute(_TAKE, [{"lot_id_": lot, "taken": pts} for lot, pts in taken])
        self.conn.execute(
            INSERT[_ALLOCATION],
            [
                {"member_id": member_id, "lot_id": lot, "entry_id": entry_id, "points": pts}
                for lot, pts in taken
            ],
        )

    def allocations_of(self, entry_id: int) -> list[Allocation]:
        rows = self.conn.execute(
            select(_ALLOCATION.c.lot_id, _ALLOCATION.c.points).where(
                _ALLOCATION.c.entry_id == entry_id
            )
        )
        return [(int(r.lot_id), int(r.points)) for r in rows]

    def entries(self, member_id: int, limit: int, before_id: int | None) -> list[LedgerEntry]:
        """The member's entries, newest first, at most `limit`, older than `before_id`."""
        query = select(_E).where(_E.c.member_id == member_id)
        if before_id is not None:
            query = query.where(_E.c.id < before_id)
        return [entry(r) for r in self.conn.execute(query.order_by(_E.c.id.desc()).limit(limit))]

    def members_with_expired_lots(self, as_of: datetime) -> list[int]:
        rows = self.conn.execute(
            select(_LOT.c.member_id)
            .distinct()
            .where(_LOT.c.remaining > 0, _LOT.c.expires_at <= as_of)
        )
        return sorted(int(r[0]) for r in rows)

    def lots_to_warn(self, as_of: datetime, until: datetime) -> list[LotToWarn]:
        """Open lots expiring in (as_of, until] whose members were not warned yet."""
        rows = self.conn.execute(
            select(_LOT.c.id, _LOT.c.member_id, _LOT.c.remaining, _LOT.c.expires_at)
            .where(
                _LOT.c.remaining > 0,
                _LOT.c.warned_at.is_(None),
                _LOT.c.expires_at > as_of,
                _LOT.c.expires_at <= until,
            )
            .order_by(_LOT.c.member_id, _LOT.c.expires_at)
        )
        return [LotToWarn(int(r[0]), int(r[1]), int(r[2]), r[3]) for r in rows]

    def mark_warned(self, lot_ids: Sequence[int], at: datetime) -> None:
        if lot_ids:
            self.conn.execute(update(_LOT).where(_LOT.c.id.in_(lot_ids)).values(warned_at=at))
