"""The import's bulk writer: rows column by column, straight to the driver.

Design overview. SQLAlchemy's per-row parameter handling costs more than SQLite's insert
itself, and a purchase history repeats the same values (dates, amounts, "import") on
every row. So the writer takes a table's rows as columns (a name and a sequence of
values each), converts each column's values through the column's type once per distinct
value, and writes a column holding a single value into the statement as a literal
instead of binding it on every row. Ids are reserved up front, so a purchase's lines can
name it without a round trip per purchase.

What it promises: every value reads back exactly as the same value written through the
other repositories would (text with quotes, NULL, a decimal at its column's scale, a
date with microseconds), on SQLite and PostgreSQL (tests/integration/test_bulk_writer.py).
A literal is only ever written for a value no quoting can get wrong (`_plain`): text
that needs any quoting or escaping is bound as a parameter like every other value.
Column names are checked against the table before any SQL is built from them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, literal, select

from patron.store import tables as t
from patron.store.base import Repo

Columns = Mapping[str, Sequence[Any]]
# a table by its name ("purchases") for the use cases, which know no SQLAlchemy
Named = Table | str


def _resolved(table: Named) -> Table:
    if isinstance(table, Table):
        return table
    try:
        return t.metadata.tables[table]
    except KeyError:
        raise ValueError(f"the store has no table {table!r}") from None


class Bulk(Repo):
    def reserve_ids(self, table: Named, count: int) -> list[int]:
        """`count` ids no row of `table` has or will be given by another writer."""
        table = _resolved(table)
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

    def insert(self, table: Named, columns: Columns, *, unless_taken: str | None = None) -> None:
        """Insert len(columns[...]) rows; every column the table requires must be given.

        With `unless_taken`, a row whose value in that unique column is already in the
        table is left out (ON CONFLICT DO NOTHING); `present` tells which rows went in.
        Values must be hashable (no JSON documents).
        """
        table = _resolved(table)
        _check_names(table, [*columns, *([unless_taken] if unless_taken else [])])
        lengths = {len(values) for values in columns.values()}
        if len(lengths) != 1:
            raise ValueError(f"columns of unequal lengths {sorted(lengths)} for {table.name}")
        rows = lengths.pop()
        if not rows:
            return
        names, values, bound = [], [], []
        for name, column in columns.items():
            distinct = set(column)
            names.append(name)
            if len(distinct) == 1 and _plain(value := next(iter(distinct))):
                values.append(self._literal(table, name, value))
                continue
            values.append(self._mark)
            bound.append(self._processed(table, name, column, distinct))
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(values)})"
        if unless_taken:
            sql += f" ON CONFLICT ({unless_taken}) DO NOTHING"
        if bound:
            self.conn.exec_driver_sql(sql, list(zip(*bound, strict=True)))
        else:  # every column constant: `rows` rows of the same values
            self.conn.exec_driver_sql(sql, [()] * rows)

    def present(self, table: Named, ids: Sequence[int]) -> set[int]:
        """Which of these ids are in the table (after an insert `unless_taken`)."""
        table = _resolved(table)
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

    def add(self, table: Named, ids: Sequence[int], amounts: Columns) -> None:
        """Add amounts to counters of the rows with these ids (one statement per row,
        through the driver: SQLAlchemy's per-row cost would exceed the update's)."""
        table = _resolved(table)
        _check_names(table, list(amounts))
        if not ids:
            return
        sets = ", ".join(f"{c} = {c} + {self._mark}" for c in amounts)
        bound = [self._processed(table, c, v, set(v)) for c, v in amounts.items()]
        bound.append(list(ids))
        sql = f"UPDATE {table.name} SET {sets} WHERE id = {self._mark}"
        self.conn.exec_driver_sql(sql, list(zip(*bound, strict=True)))

    @property
    def _mark(self) -> str:
        return "?" if self.conn.dialect.paramstyle == "qmark" else "%s"

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


def _check_names(table: Table, names: Sequence[str]) -> None:
    """Names go into the SQL text as they are: each must be one of the table's columns."""
    unknown = sorted(set(names) - set(table.c.keys()))
    if unknown:
        raise TypeError(f"{table.name} has no column {', '.join(unknown)}")


_PLAIN_TEXT = re.compile(r"[\w .:*+-]*")


def _plain(value: Any) -> bool:
    """Values safe to write into SQL as literals: no quoting or escaping can go wrong,
    since text that needs any (quotes, backslashes, %) is bound as a parameter."""
    if isinstance(value, str):
        return _PLAIN_TEXT.fullmatch(value) is not None
    return value is None or isinstance(value, int | Decimal | datetime)
