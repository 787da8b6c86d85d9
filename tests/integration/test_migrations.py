"""The migrations build exactly the schema the code declares, on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from patron.bootstrap import Patron
from patron.store.migrate import alembic_config, upgrade
from patron.store.tables import metadata
from tests.conftest import Clock, load_example, make_patron


def test_migrated_schema_matches_the_tables(patron: Patron) -> None:
    with patron.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrading_keeps_the_stored_answers_of_idempotent_requests(
    store_kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """0002 drops two unused columns of idempotency_keys; the answers stay replayable."""
    patron = make_patron(store_kind, tmp_path, clock, request)
    try:
        command.downgrade(alembic_config(patron.engine), "0001")
        with patron.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO api_keys (name, prefix, key_hash, scope, created_at)"
                    " VALUES ('k', 'ptr_x', 'h', 'pos', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO idempotency_keys (api_key_id, key, request_hash, status,"
                    " response_status, response_body, created_at)"
                    " SELECT id, 'k-1', 'hash', 'done', 201, '{\"id\": 7}',"
                    " '2026-01-01 00:00:00' FROM api_keys"
                )
            )
        upgrade(patron.engine)
        with patron.uow(readonly=True) as uow:
            key_id = uow.connection.execute(text("SELECT id FROM api_keys")).scalar_one()
            record = uow.idempotency.get(key_id, "k-1")
        assert record is not None
        assert (record.request_hash, record.response_status, record.response_body) == (
            "hash",
            201,
            '{"id": 7}',
        )
        with patron.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        patron.dispose()


def test_widening_lifetime_spend_keeps_every_member_and_what_refers_to_them(
    store_kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """0004 widens members.lifetime_spend; on SQLite that rebuilds the members table,
    which purchases, ledger entries and referrals point to."""
    from tests.integration.helpers import buy, member

    patron = make_patron(store_kind, tmp_path, clock, request)
    try:
        load_example(patron)
        ana = member(patron, "ana")
        ben = member(patron, "ben", referral_code=_referral_code(patron, ana))
        buy(patron, ben, "o-1", ("A", None, 3, "333333333.33"))  # 999,999,999.99
        command.downgrade(alembic_config(patron.engine), "0003")
        with patron.engine.connect() as conn:
            before = conn.execute(text("SELECT * FROM members ORDER BY id")).all()
        upgrade(patron.engine)
        with patron.engine.connect() as conn:
            assert conn.execute(text("SELECT * FROM members ORDER BY id")).all() == before
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        # the widened column takes what the old one could not: a lifetime spend past 10^12
        with patron.engine.begin() as conn:
            conn.execute(text("UPDATE members SET lifetime_spend = 123456789012345678.90"))
        buy(patron, ben, "o-2", ("A", None, 1, "0.10"))
        with patron.uow(readonly=True) as uow:
            found = uow.members.get(ben)
            assert found is not None and found.purchase_count == 2
        assert_verified_refs(patron)
    finally:
        patron.dispose()


def _referral_code(patron: Patron, member_id: int) -> str:
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(member_id)
        assert found is not None
        return found.referral_code


def assert_verified_refs(patron: Patron) -> None:
    """Every row that refers to a member still finds it (SQLite's foreign_key_check)."""
    if patron.engine.dialect.name == "sqlite":
        with patron.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
