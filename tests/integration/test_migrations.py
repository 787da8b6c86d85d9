"""The migrations build exactly the schema the code declares, on both stores."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from patron.bootstrap import Patron
from patron.store.tables import metadata


def test_migrated_schema_matches_the_tables(patron: Patron) -> None:
    with patron.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
