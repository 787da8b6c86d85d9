"""Alembic environment: runs migrations on the engine Patron hands over (store/migrate.py).

SQLite changes a column by rebuilding its table (Alembic's "batch" mode: copy, drop,
rename), and dropping a table that other tables refer to fails while foreign keys are
enforced. So on SQLite, as its own procedure for such changes says
(sqlite.org/lang_altertable.html, "other kinds of table schema changes"), enforcement is
off while migrating and every key is checked before the migration commits.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from patron.store.tables import metadata

config = context.config
engine = config.attributes.get("engine") or create_engine(
    config.get_main_option("sqlalchemy.url") or "sqlite:///patron.db"
)


def _foreign_keys(connection: Any, on: bool) -> None:
    """Switch SQLite's enforcement; outside a transaction, where the pragma takes effect."""
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _foreign_keys(connection, on=False)
    try:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=sqlite)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:10]}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            _foreign_keys(connection, on=True)
