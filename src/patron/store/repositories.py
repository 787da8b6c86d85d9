"""Repositories: the only code that writes SQL, one small class per kind of record.

They speak in domain values (Member, Lot, Program) and plain dicts for rows that have no
behaviour, and never commit: the unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from patron.domain.member import Member
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


class ApiKeys(_Repo):
    def add(self, **values: Any) -> int:
        return _insert(self.conn, t.api_keys, values)

    def by_hash(self, key_hash: str) -> Row[Any] | None:
        return self.conn.execute(
            select(t.api_keys).where(
                t.api_keys.c.key_hash == key_hash, t.api_keys.c.revoked_at.is_(None)
            )
        ).first()

    def all(self) -> Sequence[Row[Any]]:
        columns = [c for c in t.api_keys.c if c.name != "key_hash"]
        return self.conn.execute(select(*columns).order_by(t.api_keys.c.id)).all()

    def revoke(self, prefix: str, at: datetime) -> Row[Any] | None:
        """Revoke the active key with this prefix; None when there is none."""
        active = self.conn.execute(
            select(t.api_keys).where(
                t.api_keys.c.prefix == prefix, t.api_keys.c.revoked_at.is_(None)
            )
        ).first()
        if active is not None:
            self.conn.execute(
                update(t.api_keys).where(t.api_keys.c.id == active.id).values(revoked_at=at)
            )
        return active
