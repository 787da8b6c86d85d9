"""Statements of the earn path sent straight to psycopg on PostgreSQL.

Design overview. Through SQLAlchemy's `Connection.execute`, a statement built once still
costs about three times what psycopg itself costs to send it and read its answer
(the compiled-cache look-up, the execution context, parameter and result processing: 170
against 90 µs of CPU per statement on the bench machine, bench/README.md "A faster
earn"), and an earn sends eight. So the repositories send the earn's statements on
PostgreSQL as SQL text written once, to the psycopg cursor of the unit of work's own
connection, in its transaction; psycopg prepares a statement on the server after its
fifth use, so PostgreSQL parses and plans each of them once per connection.

The engine's `before_cursor_execute` and `after_cursor_execute` listeners see these
statements as they see SQLAlchemy's own (with no execution context: there is none). A
failure is raised as SQLAlchemy would raise it (`IntegrityError`, `OperationalError`,
... with `connection_invalidated` set when the server is gone, the connection then
invalidated in its pool), so that callers and the API's error handlers cannot tell the
difference. SQLite keeps SQLAlchemy: its driver stores dates and decimals in the forms
SQLAlchemy gives them, which plain `sqlite3` would not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ClauseElement, Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

_CURSOR = "patron.cursor"  # where a DBAPI connection keeps its cursor (Connection.info)

Params = Mapping[str, Any]
Statement = str | ClauseElement


class Driver:
    """The psycopg cursor of one connection, with SQLAlchemy's error semantics."""

    __slots__ = ("_conn", "_cursor")

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        info = conn.info  # the DBAPI connection's: one cursor per connection, reused
        cursor = info.get(_CURSOR)
        if cursor is None:
            cursor = info[_CURSOR] = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self._cursor = cursor

    def execute(self, statement: Statement, params: Params | None = None) -> Any:
        """Run one statement (SQL text, or a SQLAlchemy statement rendered once for this
        dialect); the cursor, to fetch its rows from."""
        if isinstance(statement, str):
            sql = statement
        else:
            sql, constants = _rendered(statement, self._conn.dialect)
            if constants:
                params = {**constants, **(params or {})}
        conn = self._conn
        for listen in conn.dispatch.before_cursor_execute:
            sql, params = listen(conn, self._cursor, sql, params, None, False)
        try:
            cursor = self._cursor.execute(sql, params)
        except Exception as exc:
            raise self._wrapped(exc, sql, params) from exc
        for listen in conn.dispatch.after_cursor_execute:
            listen(conn, cursor, sql, params, None, False)
        return cursor

    def one(self, statement: Statement, params: Params | None = None) -> tuple[Any, ...] | None:
        """The first row of the statement's answer, or None."""
        row: tuple[Any, ...] | None = self.execute(statement, params).fetchone()
        return row

    def all(self, statement: Statement, params: Params | None = None) -> Sequence[tuple[Any, ...]]:
        rows: Sequence[tuple[Any, ...]] = self.execute(statement, params).fetchall()
        return rows

    def _wrapped(self, exc: Exception, sql: str, params: Params | None) -> Exception:
        """The exception SQLAlchemy would raise for `exc` (and the pool told, as SQLAlchemy
        tells it, when the connection is gone)."""
        conn, dialect = self._conn, self._conn.dialect
        base = dialect.loaded_dbapi.Error
        if not isinstance(exc, base):
            return exc
        gone = dialect.is_disconnect(exc, conn.connection.dbapi_connection, self._cursor)
        if gone:
            self._conn.info.pop(_CURSOR, None)
            conn.invalidate(exc)
        return DBAPIError.instance(
            sql,
            dict(params) if params is not None else None,
            exc,
            base,
            hide_parameters=conn.engine.hide_parameters,
            connection_invalidated=gone,
            dialect=dialect,
        )


def driver(conn: Connection) -> Driver | None:
    """The driver path for this connection: on PostgreSQL only (see the module's doc)."""
    return Driver(conn) if conn.dialect.name == "postgresql" else None


_RENDERED: dict[ClauseElement, tuple[str, dict[str, Any]]] = {}


def _rendered(statement: ClauseElement, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The SQL SQLAlchemy renders for `statement` on `dialect`, and the values of the
    constants it made parameters of (the 0 of a `coalesce(..., 0)`), rendered once: the
    statements the driver path sends are the very ones SQLAlchemy would."""
    found = _RENDERED.get(statement)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        constants = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        found = _RENDERED[statement] = (str(compiled), constants)
    return found
