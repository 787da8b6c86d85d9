"""What every repository shares: the connection it works on and one-row inserts through
statements built once.

An INSERT without `.values()` takes its columns from the keys of execute()'s parameters,
so one statement per table serves every insert into it; building a statement with its
values on every call (and hashing it for SQLAlchemy's compiled cache) cost more than
sending it (bench/README.md, "Statements built once"). A key that names no column would
be dropped silently by SQLAlchemy, so `insert_row` refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Insert, Table, insert

from patron.store import tables as t

INSERT: dict[Table, Insert] = {table: insert(table) for table in t.metadata.sorted_tables}
_COLUMNS = {table: frozenset(table.c.keys()) for table in t.metadata.sorted_tables}
CENT = Decimal("0.01")


class Repo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn


def known(table: Table, values: Mapping[str, Any]) -> Mapping[str, Any]:
    """Values as execute() parameters, refused when a key names no column of `table`."""
    unknown = values.keys() - _COLUMNS[table]
    if unknown:
        raise TypeError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    return values


def insert_row(conn: Connection, table: Table, values: Mapping[str, Any]) -> int:
    """Insert one row; its new id."""
    result = conn.execute(INSERT[table], known(table, values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def decimal(value: object) -> Decimal:
    """A NUMERIC column's value as a Decimal (SQLite hands some sums back as floats or
    ints); NULL, as in a sum over no rows, is 0."""
    return Decimal(str(value)) if value is not None else Decimal(0)
