"""The migrations build exactly the schema the code declares, on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from patron.bootstrap import Patron
from patron.services.adjust import adjust
from patron.services.apikeys import hash_key
from patron.services.commands import Adjust, Redeem
from patron.services.redeem import redeem
from patron.store.migrate import alembic_config, upgrade
from patron.store.tables import metadata
from tests.conftest import Clock, load_example, make_patron
from tests.integration.helpers import member


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


def test_0005_keeps_the_redemptions_and_lets_them_go_without_a_transaction_id(
    patron: Patron,
) -> None:
    """0005 adds redemptions.transaction_id, unique per member: the redemptions made
    before it keep their rows (on SQLite the table is rebuilt) with no transaction id,
    and any number of them may have none."""
    # given two redemptions of one member, then the store taken back to 0004
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 900, "test setup", "tests"))
    ids = [patron.run(redeem, Redeem(mid, points=300)).redemption_id for _ in range(2)]
    command.downgrade(alembic_config(patron.engine), "0004")
    # when it is upgraded again
    upgrade(patron.engine)
    # then both are there with no transaction id, and a third without one is accepted
    patron.run(redeem, Redeem(mid, points=300))
    with patron.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, points, transaction_id FROM redemptions ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows[:2]] == [(ids[0], 300, None), (ids[1], 300, None)]
    assert [(r.points, r.transaction_id) for r in rows[2:]] == [(300, None)]


def test_widening_lifetime_spend_keeps_every_member_and_what_refers_to_them(
    store_kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """0006 widens members.lifetime_spend; on SQLite that rebuilds the members table,
    which purchases, ledger entries and referrals point to."""
    from tests.integration.helpers import buy

    patron = make_patron(store_kind, tmp_path, clock, request)
    try:
        load_example(patron)
        ana = member(patron, "ana")
        ben = member(patron, "ben", referral_code=_referral_code(patron, ana))
        buy(patron, ben, "o-1", ("A", None, 3, "333333333.33"))  # 999,999,999.99
        command.downgrade(alembic_config(patron.engine), "0005")
        with patron.engine.connect() as conn:
            before = conn.execute(text("SELECT * FROM members ORDER BY id")).all()
        upgrade(patron.engine, "0006")
        with patron.engine.connect() as conn:
            assert conn.execute(text("SELECT * FROM members ORDER BY id")).all() == before
        upgrade(patron.engine)
        with patron.engine.connect() as conn:
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


def test_0008_leaves_existing_keys_for_every_shop_and_their_purchases_to_no_shop(
    patron: Patron,
) -> None:
    """0008 adds shops to keys, purchases and redemptions: a key made before acts for every
    shop and operation as it did, and what it recorded belongs to no shop."""
    from patron.services.apikeys import authenticate, create_key
    from tests.integration.helpers import buy

    # given a key and a purchase made before 0008
    command.downgrade(alembic_config(patron.engine), "0007")
    with patron.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO api_keys (name, prefix, key_hash, scope, created_at)"
                " VALUES ('till-1', 'abcd1234', :hash, 'pos', '2026-01-01 00:00:00')"
            ),
            {"hash": hash_key("ptr_abcd1234_secret")},
        )
    # when the store is upgraded
    upgrade(patron.engine)
    # then the key acts for every shop and operation, and does not expire
    principal = patron.read(authenticate, "ptr_abcd1234_secret")
    assert principal is not None
    assert (principal.name, principal.shop, principal.operations, principal.expires_at) == (
        "till-1",
        None,
        None,
        None,
    )
    bought = buy(patron, member(patron), "o-1", ("A", None, 1, "10.00"))
    with patron.uow(readonly=True) as uow:
        found = uow.purchases.get(bought.purchase_id)
        assert found is not None and found.shop is None
    assert patron.run(lambda uow, s: create_key(uow, "pos", "till-2", shop=s), "A")
