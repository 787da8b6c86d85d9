"""Repositories: the only code that writes SQL, one small class per kind of record.

They speak in domain values (Member, Lot, Program) and plain dicts for rows that have no
behaviour, and never commit: the unit of work does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from patron.domain.earning import milestone_named
from patron.domain.events import Event
from patron.domain.lots import Allocation, Lot
from patron.domain.member import Member
from patron.domain.program import Program, program_from_dict
from patron.domain.records import EntryKind, RedemptionStatus
from patron.domain.tiers import PurchaseMeasure, Qualifying
from patron.store import tables as t


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


# Statements of the earn path, built once with named parameters: building a statement
# with its values on every call (and hashing it for the compiled cache) cost SQLAlchemy
# more than sending it. Values go in as execute() parameters; for an INSERT or UPDATE
# without .values(), the parameters' keys are the columns written.
_CURRENT_VERSION = select(func.max(t.programs.c.version))
_MEMBER_BY_ID = select(t.members).where(t.members.c.id == bindparam("member_id"))
_MEMBER_BY_ID_LOCKED = _MEMBER_BY_ID.with_for_update()
_MEMBER_BY_EXTERNAL_ID = select(t.members).where(
    t.members.c.external_id == bindparam("external_id")
)
_MEMBER_BY_EXTERNAL_ID_LOCKED = _MEMBER_BY_EXTERNAL_ID.with_for_update()
_MEMBER_UPDATE = update(t.members).where(t.members.c.id == bindparam("member_id_"))
_MEMBER_ADD_POINTS = (
    update(t.members)
    .where(t.members.c.id == bindparam("member_id_"))
    .values(
        balance=t.members.c.balance + bindparam("balance_delta"),
        debt=t.members.c.debt + bindparam("debt_delta"),
    )
    .returning(t.members.c.debt)
)
_PURCHASE_BY_ORDER = select(t.purchases).where(t.purchases.c.order_id == bindparam("order_id"))
_IDEMPOTENCY_GET = select(t.idempotency_keys).where(
    t.idempotency_keys.c.api_key_id == bindparam("api_key_id"),
    t.idempotency_keys.c.key == bindparam("key"),
)
_ADVISORY_LOCK = select(func.pg_try_advisory_xact_lock(bindparam("lock_id")))
_INSERT = {table: insert(table) for table in t.metadata.sorted_tables}
# a purchase whose order id is taken inserts nothing and returns no row (no look-up first)
_INSERT_NEW_ORDER = {
    name: dialect.insert(t.purchases)
    .on_conflict_do_nothing(index_elements=[t.purchases.c.order_id])
    .returning(t.purchases.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_COLUMNS = {table: frozenset(table.c.keys()) for table in t.metadata.sorted_tables}


def _known(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Values as execute() parameters: a key that names no column would be dropped
    silently, so it is refused here."""
    unknown = values.keys() - _COLUMNS[table]
    if unknown:
        raise TypeError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    return values


def _insert(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    """Insert one row; its new id."""
    result = conn.execute(_INSERT[table], _known(table, values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


class _Repo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn


class Programs(_Repo):
    """Program versions; parsed definitions are cached per version (they never change)."""

    def __init__(self, conn: Connection, cache: dict[int, Program] | None = None) -> None:
        super().__init__(conn)
        self._cache = cache if cache is not None else {}

    def add(self, program: Program, source: str, at: datetime) -> int:
        return _insert(
            self.conn,
            t.programs,
            {
                "name": program.name,
                "currency": program.currency,
                "source": source,
                "definition": program.model_dump(mode="json"),
                "loaded_at": at,
            },
        )

    def current(self) -> tuple[int, Program] | None:
        version = self.conn.execute(_CURRENT_VERSION).scalar_one()
        if version is None:
            return None
        version = int(version)
        if version not in self._cache:
            definition = self.conn.execute(
                select(t.programs.c.definition).where(t.programs.c.version == version)
            ).scalar_one()
            self._cache[version] = program_from_dict(definition, f"program v{version}")
        return version, self._cache[version]


def _member(row: Row[Any]) -> Member:
    return Member(
        id=row.id,
        external_id=row.external_id,
        email=row.email,
        name=row.name,
        tier=row.tier,
        tier_since=row.tier_since,
        enrolled_at=row.enrolled_at,
        referral_code=row.referral_code,
        referred_by=row.referred_by,
        balance=int(row.balance),
        debt=int(row.debt),
        purchase_count=int(row.purchase_count),
        lifetime_spend=_dec(row.lifetime_spend),
        acquisition_channel=row.acquisition_channel,
        erased_at=row.erased_at,
    )


class Members(_Repo):
    def add(self, **values: Any) -> int:
        return _insert(self.conn, t.members, values)

    def get(self, member_id: int, *, lock: bool = False) -> Member | None:
        query = _MEMBER_BY_ID_LOCKED if lock else _MEMBER_BY_ID
        row = self.conn.execute(query, {"member_id": member_id}).first()
        return _member(row) if row else None

    def by_external_id(self, external_id: str, *, lock: bool = False) -> Member | None:
        query = _MEMBER_BY_EXTERNAL_ID_LOCKED if lock else _MEMBER_BY_EXTERNAL_ID
        row = self.conn.execute(query, {"external_id": external_id}).first()
        return _member(row) if row else None

    def by_referral_code(self, code: str) -> Member | None:
        row = self.conn.execute(select(t.members).where(t.members.c.referral_code == code)).first()
        return _member(row) if row else None

    def referred_count(self, member_id: int) -> int:
        """How many members enrolled with this member's referral code."""
        query = select(func.count()).where(t.members.c.referred_by == member_id)
        return int(self.conn.execute(query).scalar_one())

    def ids_by_external(self, external_ids: Iterable[str]) -> dict[str, int]:
        keys = list(external_ids)
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.conn.execute(
                select(t.members.c.external_id, t.members.c.id).where(
                    t.members.c.external_id.in_(chunk)
                )
            )
            found.update({r.external_id: int(r.id) for r in rows})
        return found

    def update(self, member_id: int, **values: Any) -> None:
        self.conn.execute(_MEMBER_UPDATE, {"member_id_": member_id, **_known(t.members, values)})

    def add_points(self, member_id: int, balance: int, debt: int = 0) -> int:
        """Move the cached balance and debt by deltas, in SQL; returns the debt left."""
        left = self.conn.execute(
            _MEMBER_ADD_POINTS,
            {"member_id_": member_id, "balance_delta": balance, "debt_delta": debt},
        ).scalar_one()
        return int(left)

    def all_ids(self) -> list[int]:
        return [
            int(r[0]) for r in self.conn.execute(select(t.members.c.id).order_by(t.members.c.id))
        ]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.members)).scalar_one())

    def most_purchases(self) -> int:
        """The largest purchase count of any member (0 without members)."""
        query = select(func.max(t.members.c.purchase_count))
        return int(self.conn.execute(query).scalar_one() or 0)


class Purchases(_Repo):
    def add(self, lines: Sequence[dict[str, Any]], **values: Any) -> int | None:
        """The new purchase's id, or None (and nothing written) if its order id is taken."""
        statement = _INSERT_NEW_ORDER[self.conn.dialect.name]
        found = self.conn.execute(statement, _known(t.purchases, values)).scalar_one_or_none()
        if found is None:
            return None
        purchase_id = int(found)
        if lines:
            self.conn.execute(
                _INSERT[t.purchase_lines],
                [
                    {**line, "purchase_id": purchase_id, "member_id": values["member_id"]}
                    for line in lines
                ],
            )
        return purchase_id

    def by_order_id(self, order_id: str) -> Row[Any] | None:
        return self.conn.execute(_PURCHASE_BY_ORDER, {"order_id": order_id}).first()

    def get(self, purchase_id: int) -> Row[Any] | None:
        return self.conn.execute(select(t.purchases).where(t.purchases.c.id == purchase_id)).first()

    def lines(self, purchase_id: int) -> list[Row[Any]]:
        return list(
            self.conn.execute(
                select(t.purchase_lines)
                .where(t.purchase_lines.c.purchase_id == purchase_id)
                .order_by(t.purchase_lines.c.line_no)
            )
        )

    def existing_order_ids(self, order_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(order_ids), 500):
            chunk = list(order_ids[start : start + 500])
            found.update(
                r[0]
                for r in self.conn.execute(
                    select(t.purchases.c.order_id).where(t.purchases.c.order_id.in_(chunk))
                )
            )
        return found

    def update(self, purchase_id: int, **values: Any) -> None:
        self.conn.execute(
            update(t.purchases).where(t.purchases.c.id == purchase_id).values(**values)
        )

    def add_refunded(self, purchase_id: int, amount: Decimal) -> None:
        """Add a refund's amount to the purchase's `refunded_total`, in SQL."""
        self.conn.execute(
            update(t.purchases)
            .where(t.purchases.c.id == purchase_id)
            .values(refunded_total=t.purchases.c.refunded_total + amount)
        )

    def return_line(self, line_id: int, quantity: int) -> None:
        self.conn.execute(
            update(t.purchase_lines)
            .where(t.purchase_lines.c.id == line_id)
            .values(refunded_quantity=t.purchase_lines.c.refunded_quantity + quantity)
        )

    def add_refund(self, **values: Any) -> int:
        return _insert(self.conn, t.refunds, values)

    def milestones_paid(self, member_id: int) -> frozenset[str]:
        """Milestones the member holds: named in the breakdown of a purchase of theirs
        that is not fully returned (a full return takes the milestone's bonus back)."""
        p, lines = t.purchases, t.purchase_lines
        not_fully_returned = (
            select(lines.c.id)
            .where(lines.c.purchase_id == p.c.id, lines.c.refunded_quantity < lines.c.quantity)
            .exists()
        )
        rows = self.conn.execute(
            select(p.c.breakdown).where(
                p.c.member_id == member_id, p.c.bonus_points > 0, not_fully_returned
            )
        )
        rules = (item["rule"] for (breakdown,) in rows for item in breakdown or ())
        return frozenset(name for rule in rules if (name := milestone_named(rule)) is not None)

    def qualifying_history(
        self, member_id: int, rule: Qualifying, since: datetime, until: datetime
    ) -> list[tuple[datetime, Decimal]]:
        """Per purchase dated in [since, until]: its date and what it qualifies for under
        `rule` (domain/tiers.py: a quantity of the purchase less what its refunds gave
        back of it)."""
        p = t.purchases
        value = _purchase_measure(rule.counted) - _purchase_measure(rule.returned)
        rows = self.conn.execute(
            select(p.c.occurred_at, value)
            .where(p.c.member_id == member_id, p.c.occurred_at.between(since, until))
            .order_by(p.c.occurred_at, p.c.id)
        )
        return [(r[0], _dec(r[1])) for r in rows]


def _purchase_measure(measure: PurchaseMeasure) -> ColumnElement[Any]:
    """A purchase's quantity as SQL over `purchases`: a column, or the sum over its refunds."""
    p = t.purchases
    if measure is PurchaseMeasure.POINTS_TAKEN_BACK:
        return (
            select(func.coalesce(func.sum(t.refunds.c.points_taken_back), 0))
            .where(t.refunds.c.purchase_id == p.c.id)
            .scalar_subquery()
        )
    columns: dict[PurchaseMeasure, ColumnElement[Any]] = {
        PurchaseMeasure.TOTAL: p.c.total,
        PurchaseMeasure.REFUNDED_TOTAL: p.c.refunded_total,
        PurchaseMeasure.POINTS_EARNED: p.c.points_earned,
    }
    return columns[measure]


def _lot(row: Row[Any]) -> Lot:
    return Lot(
        id=int(row.id),
        remaining=int(row.remaining),
        earned_at=row.earned_at,
        available_at=row.available_at,
        expires_at=row.expires_at,
    )


class Ledger(_Repo):
    def add_entry(
        self, member_id: int, kind: EntryKind, points: int, at: datetime, **refs: Any
    ) -> int:
        """One ledger entry. `EntryKind(kind)` refuses a word outside the enum before any SQL
        (the column has no CHECK constraint), also from callers mypy does not see."""
        row = {"member_id": member_id, "kind": EntryKind(kind).value, "points": points}
        return _insert(self.conn, t.ledger_entries, {**row, "occurred_at": at, **refs})

    def open_lot(
        self,
        member_id: int,
        entry_id: int,
        points: int,
        earned_at: datetime,
        available_at: datetime,
        expires_at: datetime | None,
    ) -> int:
        return _insert(
            self.conn,
            t.point_lots,
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
            select(t.point_lots.c.id)
            .join(t.ledger_entries, t.ledger_entries.c.id == t.point_lots.c.entry_id)
            .where(
                t.ledger_entries.c.purchase_id == purchase_id,
                t.ledger_entries.c.kind == EntryKind.EARN,
            )
        )
        return [int(r[0]) for r in rows]

    def open_lots(self, member_id: int) -> list[Lot]:
        rows = self.conn.execute(
            select(t.point_lots)
            .where(t.point_lots.c.member_id == member_id, t.point_lots.c.remaining > 0)
            .order_by(t.point_lots.c.id)
        )
        return [_lot(r) for r in rows]

    def apply(self, member_id: int, entry_id: int, allocations: Iterable[Allocation]) -> None:
        """Take (positive) or give back (negative) points from lots, and record it."""
        rows = [
            {"member_id": member_id, "lot_id": lot_id, "entry_id": entry_id, "points": pts}
            for lot_id, pts in allocations
            if pts
        ]
        if not rows:
            return
        for row in rows:
            self.conn.execute(
                update(t.point_lots)
                .where(t.point_lots.c.id == row["lot_id"])
                .values(remaining=t.point_lots.c.remaining - row["points"])
            )
        self.conn.execute(insert(t.lot_allocations), rows)

    def allocations_of(self, entry_id: int) -> list[Allocation]:
        rows = self.conn.execute(
            select(t.lot_allocations.c.lot_id, t.lot_allocations.c.points).where(
                t.lot_allocations.c.entry_id == entry_id
            )
        )
        return [(int(r.lot_id), int(r.points)) for r in rows]

    def entries(self, member_id: int, limit: int, before_id: int | None) -> list[Row[Any]]:
        query = select(t.ledger_entries).where(t.ledger_entries.c.member_id == member_id)
        if before_id is not None:
            query = query.where(t.ledger_entries.c.id < before_id)
        return list(self.conn.execute(query.order_by(t.ledger_entries.c.id.desc()).limit(limit)))

    def members_with_expired_lots(self, as_of: datetime) -> list[int]:
        rows = self.conn.execute(
            select(t.point_lots.c.member_id)
            .distinct()
            .where(t.point_lots.c.remaining > 0, t.point_lots.c.expires_at <= as_of)
        )
        return sorted(int(r[0]) for r in rows)

    def lots_to_warn(self, as_of: datetime, until: datetime) -> list[Row[Any]]:
        return list(
            self.conn.execute(
                select(
                    t.point_lots.c.id,
                    t.point_lots.c.member_id,
                    t.point_lots.c.remaining,
                    t.point_lots.c.expires_at,
                )
                .where(
                    t.point_lots.c.remaining > 0,
                    t.point_lots.c.warned_at.is_(None),
                    t.point_lots.c.expires_at > as_of,
                    t.point_lots.c.expires_at <= until,
                )
                .order_by(t.point_lots.c.member_id, t.point_lots.c.expires_at)
            )
        )

    def mark_warned(self, lot_ids: Sequence[int], at: datetime) -> None:
        if lot_ids:
            self.conn.execute(
                update(t.point_lots).where(t.point_lots.c.id.in_(lot_ids)).values(warned_at=at)
            )

    def totals(self) -> list[Row[Any]]:
        """Per member: cached balance, sum of entries, sum of open lots (for `verify`)."""
        entries = (
            select(
                t.ledger_entries.c.member_id, func.sum(t.ledger_entries.c.points).label("entries")
            )
            .group_by(t.ledger_entries.c.member_id)
            .subquery()
        )
        lots = (
            select(t.point_lots.c.member_id, func.sum(t.point_lots.c.remaining).label("lots"))
            .group_by(t.point_lots.c.member_id)
            .subquery()
        )
        return list(
            self.conn.execute(
                select(
                    t.members.c.id,
                    t.members.c.balance,
                    func.coalesce(entries.c.entries, 0).label("entries"),
                    func.coalesce(lots.c.lots, 0).label("lots"),
                )
                .select_from(
                    t.members.outerjoin(entries, entries.c.member_id == t.members.c.id).outerjoin(
                        lots, lots.c.member_id == t.members.c.id
                    )
                )
                .order_by(t.members.c.id)
            )
        )

    def lot_mismatches(self) -> list[Row[Any]]:
        """Lots whose remaining points differ from their original minus allocations."""
        allocated = (
            select(t.lot_allocations.c.lot_id, func.sum(t.lot_allocations.c.points).label("taken"))
            .group_by(t.lot_allocations.c.lot_id)
            .subquery()
        )
        return list(
            self.conn.execute(
                select(t.point_lots.c.id, t.point_lots.c.member_id)
                .select_from(
                    t.point_lots.outerjoin(allocated, allocated.c.lot_id == t.point_lots.c.id)
                )
                .where(
                    t.point_lots.c.points - func.coalesce(allocated.c.taken, 0)
                    != t.point_lots.c.remaining
                )
            )
        )


class Totals(_Repo):
    """What `verify` compares: each stored total beside the records it is the sum of.

    Sums come back to Python as Decimals and are compared there: on SQLite a NUMERIC sum
    goes through a float, which the column type quantizes back to cents.
    """

    def refunded(self) -> list[Row[Any]]:
        """Per purchase with refunds or a refunded total: stored vs Σ refund amounts."""
        summed = (
            select(t.refunds.c.purchase_id, func.sum(t.refunds.c.amount).label("summed"))
            .group_by(t.refunds.c.purchase_id)
            .subquery()
        )
        return list(
            self.conn.execute(
                select(
                    t.purchases.c.id,
                    t.purchases.c.member_id,
                    t.purchases.c.refunded_total,
                    func.coalesce(summed.c.summed, 0).label("summed"),
                )
                .select_from(
                    t.purchases.outerjoin(summed, summed.c.purchase_id == t.purchases.c.id)
                )
                .where((summed.c.summed.is_not(None)) | (t.purchases.c.refunded_total != 0))
                .order_by(t.purchases.c.id)
            )
        )

    def members(self) -> list[Row[Any]]:
        """Per member: stored purchase count and lifetime spend, the count of their
        purchases, Σ purchase totals and Σ refund amounts."""
        bought = (
            select(
                t.purchases.c.member_id,
                func.count().label("purchases"),
                func.sum(t.purchases.c.total).label("spent"),
            )
            .group_by(t.purchases.c.member_id)
            .subquery()
        )
        returned = (
            select(t.refunds.c.member_id, func.sum(t.refunds.c.amount).label("returned"))
            .group_by(t.refunds.c.member_id)
            .subquery()
        )
        m = t.members
        return list(
            self.conn.execute(
                select(
                    m.c.id,
                    m.c.purchase_count,
                    m.c.lifetime_spend,
                    func.coalesce(bought.c.purchases, 0).label("purchases"),
                    func.coalesce(bought.c.spent, 0).label("spent"),
                    func.coalesce(returned.c.returned, 0).label("returned"),
                )
                .select_from(
                    m.outerjoin(bought, bought.c.member_id == m.c.id).outerjoin(
                        returned, returned.c.member_id == m.c.id
                    )
                )
                .order_by(m.c.id)
            )
        )

    def program_versions(self) -> list[Row[Any]]:
        """Every program version: number, load time and definition (JSON), oldest first."""
        p = t.programs
        return list(
            self.conn.execute(
                select(p.c.version, p.c.loaded_at, p.c.definition).order_by(p.c.version)
            )
        )

    def rewards_with_stock(self) -> list[Row[Any]]:
        return list(
            self.conn.execute(
                select(t.rewards.c.id, t.rewards.c.stock)
                .where(t.rewards.c.active.is_(True), t.rewards.c.stock.is_not(None))
                .order_by(t.rewards.c.id)
            )
        )

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


class Rewards(_Repo):
    def sync(self, program: Program, previous: Program | None) -> None:
        """Make the catalog match the program: new rewards added, removed ones deactivated.

        A reward's `stock` in the file is the count available from the moment the file is
        loaded: when it differs from the previous version's (3 -> 5, or omitted for
        unlimited), the catalog takes it; when it is the same, the count left after
        redemptions is kept, so reloading an unchanged file restocks nothing.
        """
        existing = {r.id: r for r in self.conn.execute(select(t.rewards))}
        self.conn.execute(update(t.rewards).values(active=False))
        for reward in program.rewards:
            values = {
                "name": reward.name,
                "kind": reward.kind.value,
                "points": reward.points,
                "cost": reward.cost,
                "value": reward.value,
                "tiers": list(reward.tiers),
                "description": reward.description,
                "active": True,
            }
            if reward.id in existing:
                before = previous.reward(reward.id) if previous is not None else None
                if before is None or before.stock != reward.stock:
                    values["stock"] = reward.stock
                self.conn.execute(
                    update(t.rewards).where(t.rewards.c.id == reward.id).values(**values)
                )
            else:
                self.conn.execute(
                    insert(t.rewards).values(id=reward.id, stock=reward.stock, **values)
                )

    def active(self) -> list[Row[Any]]:
        return list(
            self.conn.execute(
                select(t.rewards).where(t.rewards.c.active.is_(True)).order_by(t.rewards.c.points)
            )
        )

    def get(self, reward_id: str, *, lock: bool = False) -> Row[Any] | None:
        query = select(t.rewards).where(t.rewards.c.id == reward_id)
        if lock:
            query = query.with_for_update()
        return self.conn.execute(query).first()

    def change_stock(self, reward_id: str, delta: int) -> None:
        self.conn.execute(
            update(t.rewards)
            .where(t.rewards.c.id == reward_id, t.rewards.c.stock.is_not(None))
            .values(stock=t.rewards.c.stock + delta)
        )


class Redemptions(_Repo):
    def add(self, **values: Any) -> int:
        return _insert(self.conn, t.redemptions, values)

    def get(self, redemption_id: int, *, lock: bool = False) -> Row[Any] | None:
        query = select(t.redemptions).where(t.redemptions.c.id == redemption_id)
        if lock:
            query = query.with_for_update()
        return self.conn.execute(query).first()

    def by_transaction(self, member_id: int, transaction_id: str) -> Row[Any] | None:
        """The member's redemption made under the till's `transaction_id`, if any."""
        r = t.redemptions
        return self.conn.execute(
            select(r).where(r.c.member_id == member_id, r.c.transaction_id == transaction_id)
        ).first()

    def update(self, redemption_id: int, **values: Any) -> None:
        self.conn.execute(
            update(t.redemptions).where(t.redemptions.c.id == redemption_id).values(**values)
        )


class ApiKeys(_Repo):
    def add(self, **values: Any) -> int:
        return _insert(self.conn, t.api_keys, values)

    def by_hash(self, key_hash: str) -> Row[Any] | None:
        """The key with this hash unless it was revoked (its expiry is the caller's rule)."""
        return self.conn.execute(
            select(t.api_keys).where(
                t.api_keys.c.key_hash == key_hash, t.api_keys.c.revoked_at.is_(None)
            )
        ).first()

    def all(self) -> Sequence[Row[Any]]:
        columns = [c for c in t.api_keys.c if c.name != "key_hash"]
        return self.conn.execute(select(*columns).order_by(t.api_keys.c.id)).all()

    def unrevoked(self, prefix: str, *, lock: bool = False) -> Row[Any] | None:
        """The key with this prefix that was not revoked, if any."""
        query = select(t.api_keys).where(
            t.api_keys.c.prefix == prefix, t.api_keys.c.revoked_at.is_(None)
        )
        if lock:
            query = query.with_for_update()
        return self.conn.execute(query.order_by(t.api_keys.c.id)).first()

    def update(self, key_id: int, **values: Any) -> None:
        self.conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_id).values(**values))

    def revoke(self, prefix: str, at: datetime) -> Row[Any] | None:
        """Revoke the key with this prefix that was not revoked yet; None when there is none.
        The row returned is the key as it was before."""
        active = self.unrevoked(prefix, lock=True)
        if active is not None:
            self.update(int(active.id), revoked_at=at)
        return active


class Idempotency(_Repo):
    def try_lock(self, api_key_id: int, key: str) -> bool:
        """Claim the key for this transaction; false if another transaction holds it.

        On PostgreSQL a transaction-scoped advisory lock, released at commit or rollback;
        SQLite needs none, as its writers already run one at a time (BEGIN IMMEDIATE).
        """
        if self.conn.dialect.name != "postgresql":
            return True
        digest = hashlib.blake2b(f"{api_key_id}:{key}".encode(), digest_size=8).digest()
        lock_id = int.from_bytes(digest, "big", signed=True)
        return bool(self.conn.execute(_ADVISORY_LOCK, {"lock_id": lock_id}).scalar_one())

    def get(self, api_key_id: int, key: str) -> Row[Any] | None:
        return self.conn.execute(_IDEMPOTENCY_GET, {"api_key_id": api_key_id, "key": key}).first()

    def store(
        self, api_key_id: int, key: str, request_hash: str, status: int, body: str, at: datetime
    ) -> None:
        _insert(
            self.conn,
            t.idempotency_keys,
            {
                "api_key_id": api_key_id,
                "key": key,
                "request_hash": request_hash,
                "response_status": status,
                "response_body": body,
                "created_at": at,
            },
        )

    def purge(self, before: datetime) -> int:
        result = self.conn.execute(
            delete(t.idempotency_keys).where(t.idempotency_keys.c.created_at < before)
        )
        return int(result.rowcount)


class Outbox(_Repo):
    """Events are buffered and written in one statement when the unit of work commits."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._pending: list[dict[str, Any]] = []

    def add(self, events: Iterable[Event], at: datetime) -> None:
        self._pending += [
            {
                "member_id": e.member_id,
                "type": e.type,
                "payload": e.data,
                "occurred_at": e.occurred_at,
                "created_at": at,
            }
            for e in events
        ]

    def flush(self) -> None:
        if self._pending:
            self.conn.execute(_INSERT[t.outbox], self._pending)
            self._pending = []

    def for_member(self, member_id: int) -> list[Row[Any]]:
        self.flush()
        return list(
            self.conn.execute(
                select(t.outbox).where(t.outbox.c.member_id == member_id).order_by(t.outbox.c.id)
            )
        )

    def count(self, type_: str | None = None) -> int:
        query = select(func.count()).select_from(t.outbox)
        if type_:
            query = query.where(and_(t.outbox.c.type == type_))
        return int(self.conn.execute(query).scalar_one())

    def backlog(self) -> int:
        """Events not yet published (what the outbox consumer still has to deliver)."""
        query = select(func.count()).select_from(t.outbox).where(t.outbox.c.published_at.is_(None))
        return int(self.conn.execute(query).scalar_one())


class Bulk(_Repo):
    """Column-wise executemany for imports: ids reserved up front, values to the driver.

    SQLAlchemy's per-row parameter handling costs more than SQLite's insert itself, and a
    history repeats the same values (dates, amounts, "import") on every row. So each
    column's values go through the column type once per distinct value, and a column
    with a single value is written into the statement as a literal, not bound per row.
    """

    def reserve_ids(self, table: Table, count: int) -> list[int]:
        if count == 0:
            return []
        if self.conn.dialect.name == "postgresql":
            sequence = f"{table.name}_id_seq"
            rows = self.conn.exec_driver_sql(
                f"SELECT nextval('{sequence}') FROM generate_series(1, {int(count)})"
            )
            return [int(r[0]) for r in rows]
        # SQLite: the write lock is held (BEGIN IMMEDIATE), so max(id) cannot move under us
        top = self.conn.execute(select(func.max(table.c.id))).scalar_one() or 0
        return list(range(int(top) + 1, int(top) + 1 + count))

    def insert(
        self, table: Table, columns: dict[str, Sequence[Any]], *, unless_taken: str | None = None
    ) -> None:
        """Insert len(columns[...]) rows; every column the table requires must be given.

        With `unless_taken`, a row whose value in that unique column is already in the
        table is left out (ON CONFLICT DO NOTHING); `present` tells which rows went in.
        """
        lengths = {len(values) for values in columns.values()}
        if len(lengths) != 1:
            raise ValueError(f"columns of unequal lengths {sorted(lengths)} for {table.name}")
        if not lengths.pop():
            return
        dialect = self.conn.dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        names, values, bound = [], [], []
        for name, column in columns.items():
            distinct = set(column)
            names.append(name)
            if len(distinct) == 1 and _plain(value := next(iter(distinct))):
                values.append(self._literal(table, name, value))
                continue
            values.append(mark)
            bound.append(self._processed(table, name, column, distinct))
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(values)})"
        if unless_taken:
            sql += f" ON CONFLICT ({table.c[unless_taken].name}) DO NOTHING"
        if bound:
            self.conn.exec_driver_sql(sql, list(zip(*bound, strict=True)))
        else:  # every column constant: len rows of the same values
            self.conn.exec_driver_sql(sql, [()] * len(next(iter(columns.values()))))

    def present(self, table: Table, ids: Sequence[int]) -> set[int]:
        """Which of these ids are in the table (after an insert `unless_taken`)."""
        if not ids:
            return set()
        low, high = min(ids), max(ids)
        if high - low + 1 == len(ids):  # reserved together: one range scan
            in_range = table.c.id.between(low, high)
            count = select(func.count()).select_from(table).where(in_range)
            if self.conn.execute(count).scalar_one() == len(ids):
                return set(ids)
            return {int(r[0]) for r in self.conn.execute(select(table.c.id).where(in_range))}
        found: set[int] = set()
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            found.update(
                int(r[0])
                for r in self.conn.execute(select(table.c.id).where(table.c.id.in_(chunk)))
            )
        return found

    def add(self, table: Table, ids: Sequence[int], amounts: dict[str, Sequence[Any]]) -> None:
        """Add amounts to counters of the rows with these ids (one statement per row,
        through the driver: SQLAlchemy's per-row cost would exceed the update's)."""
        if not ids:
            return
        dialect = self.conn.dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sets = ", ".join(f"{c} = {c} + {mark}" for c in amounts)
        bound = [self._processed(table, c, v, set(v)) for c, v in amounts.items()]
        bound.append(list(ids))
        sql = f"UPDATE {table.name} SET {sets} WHERE id = {mark}"
        self.conn.exec_driver_sql(sql, list(zip(*bound, strict=True)))

    def _processed(
        self, table: Table, name: str, column: Sequence[Any], distinct: set[Any]
    ) -> Sequence[Any]:
        """The column's values as the driver takes them, converted once per distinct value."""
        dialect = self.conn.dialect
        # the dialect's own implementation: SQLite's DATETIME writes its fixed text format
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            return column
        once = {v: process(v) for v in distinct}
        return [once[v] for v in column]

    def _literal(self, table: Table, name: str, value: Any) -> str:
        compiled = literal(value, table.c[name].type).compile(
            dialect=self.conn.dialect, compile_kwargs={"literal_binds": True}
        )
        return str(compiled)


_PLAIN_TEXT = re.compile(r"[\w .:*+-]*")


def _plain(value: Any) -> bool:
    """Values safe to write into SQL as literals: no quoting or escaping can go wrong,
    since text that needs any (quotes, backslashes, %) is bound as a parameter."""
    if isinstance(value, str):
        return _PLAIN_TEXT.fullmatch(value) is not None
    return value is None or isinstance(value, int | Decimal | datetime)
