"""Engines for the two supported stores, with the settings each needs to be safe.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
`BEGIN IMMEDIATE` so that two writers queue instead of failing half-way with
"database is locked". PostgreSQL uses psycopg 3 and row locks (`FOR UPDATE`); its pool
tests a connection before handing it out (`pool_pre_ping`, one round trip), so the
connections a restarted or failed-over server dropped are replaced instead of failing
the next request of every worker (tests/e2e/test_store_unavailable.py).

Nothing here touches the process's warnings filters: a library that silences warnings
for its whole host process hides them from the host's own code too. SQLite keeps NUMERIC
as a float; SQLAlchemy turns it back into a Decimal at the column's scale (tables.py), and
from 2.0 on it does so without the "does *not* support Decimal objects natively" warning
that this module once silenced process-wide (tests/unit/test_db_warnings.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url

READONLY = "patron_readonly"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800, pool_pre_ping=True
    )


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names when there is no file there yet, else None (for another
    store, in-memory SQLite, or a file that exists).

    SQLite creates the file it is asked to open, and `_sqlite_engine` even makes its
    folder: a command run in the wrong folder would quietly start an empty store there
    and report on it. Adapters that must not create a store ask this first.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path


def _lower(text: object) -> object:
    return text.lower() if isinstance(text, str) else text


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: imports touch many index pages
        cursor.close()
        # SQLite's own lower() folds ASCII only: Python's folds "ĂŞ" to "ăş" as
        # PostgreSQL's does, so a search finds the same members on both stores
        dbapi_conn.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        readonly = conn.get_execution_options().get(READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
