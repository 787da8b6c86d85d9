"""The earn's writes as the store sends them (store/driver.py): on PostgreSQL straight to
psycopg, a purchase with its lines and a credit's entry with its lot in one statement
each, the answer of an idempotent write with the outbox's events at commit; on SQLite
through SQLAlchemy. Both stores must keep the same rows, and fail the same way.

The example program (examples/program.toml): 1 point per EUR, books x2. The clock starts
on 2026-01-01 09:00 UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from patron.bootstrap import Patron
from patron.domain import events
from patron.domain.earning import Line
from patron.domain.errors import Conflict
from patron.domain.ledger import NO_REFS
from patron.domain.records import EntryKind
from patron.services.commands import MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.store import tables as t
from patron.store.apikeys import NewApiKey
from tests.conftest import _pg_admin_engine
from tests.integration.helpers import member

AT = datetime(2026, 1, 1, 9, 0)
LINES = (
    Line("A1", "books", 2, Decimal("10.00"), Decimal("4.5000")),
    Line("B7", None, 1, Decimal("24.90"), None),
    Line("C3", "home", 3, Decimal("1.2500"), Decimal("0.2500")),
)


def record(patron: Patron, member_id: int, order_id: str) -> int:
    command = RecordPurchase(MemberRef(id=member_id), order_id, AT, "EUR", LINES)
    return patron.run(record_purchase, command).purchase_id


def test_a_purchase_keeps_its_lines_in_their_order_with_every_field(patron: Patron) -> None:
    mid = member(patron)
    purchase_id = record(patron, mid, "o-1")
    with patron.uow(readonly=True) as uow:
        lines = uow.purchases.lines(purchase_id)
        stored = uow.purchases.get(purchase_id)
    assert stored is not None
    # the lines as sent, numbered from 1 in the order sent, their ids in that order too
    assert [
        (x.line_no, x.sku, x.category, x.quantity, x.unit_price, x.unit_cost) for x in lines
    ] == [
        (1, "A1", "books", 2, Decimal("10.0000"), Decimal("4.5000")),
        (2, "B7", None, 1, Decimal("24.9000"), None),
        (3, "C3", "home", 3, Decimal("1.2500"), Decimal("0.2500")),
    ]
    assert [x.id for x in lines] == sorted(x.id for x in lines)
    assert {(x.member_id, x.purchase_id, x.refunded_quantity) for x in lines} == {
        (mid, purchase_id, 0)
    }
    # 20.00 books x2 = 40, 24.90 -> 24, 3.75 -> 3 (1 point per EUR, rounded down)
    assert [x.points for x in lines] == [40, 24, 3]
    assert (stored.total, stored.points_earned, stored.cost) == (
        Decimal("48.65"),
        67,
        None,  # B7's unit cost is unknown: no cost for the purchase
    )
    assert [(b.rule, b.points) for b in stored.breakdown] == [
        ("base", 47),
        ("category books x2", 20),
    ]


def test_a_taken_order_id_writes_no_purchase_no_line_no_entry(patron: Patron) -> None:
    mid = member(patron)
    record(patron, mid, "o-1")

    def counts() -> tuple[int, ...]:
        with patron.uow(readonly=True) as uow:
            return tuple(
                int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.purchases, t.purchase_lines, t.ledger_entries, t.point_lots)
            )

    before = counts()
    with pytest.raises(Conflict, match="order 'o-1' is already recorded as purchase 1"):
        record(patron, mid, "o-1")
    assert counts() == before == (1, 3, 2, 2)  # the welcome entry and lot, the purchase's


def test_a_credit_opens_its_lot_under_its_entry(patron: Patron) -> None:
    mid = member(patron)
    with patron.uow() as uow:
        entry_id, lot_id = uow.ledger.credit(
            mid, EntryKind.ADJUST, 35, AT, NO_REFS, datetime(2026, 1, 15, 9), None
        )
        uow.commit()
    with patron.uow(readonly=True) as uow:
        lot = uow.connection.execute(select(t.point_lots).where(t.point_lots.c.id == lot_id)).one()
        entry = uow.connection.execute(
            select(t.ledger_entries).where(t.ledger_entries.c.id == entry_id)
        ).one()
    assert (lot.entry_id, lot.member_id, lot.points, lot.remaining) == (entry_id, mid, 35, 35)
    assert (lot.earned_at, lot.available_at, lot.expires_at) == (
        AT,
        datetime(2026, 1, 15, 9),
        None,
    )
    assert (entry.member_id, entry.kind, entry.points, entry.occurred_at) == (
        mid,
        "adjust",
        35,
        AT,
    )


def test_a_refused_write_fails_as_sqlalchemy_fails_it(patron: Patron) -> None:
    # a credit for a member who does not exist breaks the entry's foreign key, and
    # leaves no entry and no lot
    with patron.uow() as uow, pytest.raises(IntegrityError):
        uow.ledger.credit(999_999, EntryKind.ADJUST, 5, AT, NO_REFS, AT, None)
    with patron.uow(readonly=True) as uow:
        for table in (t.ledger_entries, t.point_lots):
            assert uow.connection.execute(select(func.count()).select_from(table)).scalar() == 0


def test_an_answer_is_found_again_before_its_commit_and_gone_without_it(
    patron: Patron,
) -> None:
    key_id = int(
        patron.run(
            lambda uow, _: uow.api_keys.add(NewApiKey("k", "p", "h", "pos", AT, None, None)),
            None,
        )
    )
    with patron.uow() as uow:
        uow.idempotency.store(key_id, "key-1", "hash-1", 201, '{"id": 1}', AT)
        found = uow.idempotency.get(key_id, "key-1")
        assert found is not None
        assert (found.request_hash, found.response_status, found.response_body) == (
            "hash-1",
            201,
            '{"id": 1}',
        )
        # not committed: rolled back with the unit of work
    with patron.uow() as uow:
        assert uow.idempotency.get(key_id, "key-1") is None


def test_an_answer_and_events_commit_together_in_their_order(patron: Patron) -> None:
    mid = member(patron)
    key_id = int(
        patron.run(
            lambda uow, _: uow.api_keys.add(NewApiKey("k", "p", "h", "pos", AT, None, None)),
            None,
        )
    )
    sent = [
        events.points_earned(mid, AT, 12, 7),
        events.tier_changed(mid, AT, "Bronze", "Silver"),
        events.adjusted(mid, AT, -3, "ops", 'a note with "quotes" and é'),
    ]
    with patron.uow(readonly=True) as uow:
        enrolled = len(uow.outbox.for_member(mid))  # member.enrolled, the welcome's points
    with patron.uow() as uow:
        uow.outbox.add(sent, AT)
        uow.idempotency.store(key_id, "key-2", "hash-2", 201, "{}", AT)
        uow.commit()
    with patron.uow(readonly=True) as uow:
        written = uow.outbox.for_member(mid)[enrolled:]
        answer = uow.idempotency.get(key_id, "key-2")
    assert [(e.type, e.payload, e.occurred_at, e.created_at) for e in written] == [
        (e.type, e.data, AT, AT) for e in sent
    ]
    assert [e.id for e in written] == sorted(e.id for e in written)
    assert answer is not None and answer.request_hash == "hash-2"


@pytest.mark.parametrize("store_kind", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_backend_gone_mid_transaction_is_a_store_that_is_down(patron: Patron) -> None:
    mid = member(patron)
    with patron.uow() as uow:
        pid = uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        with pytest.raises(DBAPIError) as raised:
            uow.members.get(mid, lock=True)
    # what the API answers 503 for (api/errors.is_store_down), and the pool replaced the
    # connection: the next unit of work finds the member
    assert raised.value.connection_invalidated
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(mid)
    assert found is not None and found.id == mid
