"""Repositories: the only code that writes SQL, one small class per kind of record.

They speak in domain values (Member, Lot, Program) and plain dicts for rows that have no
behaviour, and never commit: the unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
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
