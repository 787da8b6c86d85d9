"""The store writes only the ledger entry kinds of `EntryKind`, on both stores.

`ledger_entries.kind` has no CHECK constraint, so `Ledger.add_entry` is the gate: a word
outside the enum is refused before any SQL and nothing is written.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from patron.bootstrap import Patron
from patron.domain.records import EntryKind
from patron.store import tables as t
from tests.integration.helpers import member


def _entries(patron: Patron) -> list[tuple[int, str, int]]:
    with patron.uow(readonly=True) as uow:
        rows = uow.connection.execute(
            select(
                t.ledger_entries.c.member_id, t.ledger_entries.c.kind, t.ledger_entries.c.points
            ).order_by(t.ledger_entries.c.id)
        )
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


def test_a_kind_outside_the_enum_is_refused_and_nothing_written(patron: Patron) -> None:
    member_id = member(patron)
    before = _entries(patron)
    with patron.uow() as uow, pytest.raises(ValueError, match="'bonus' is not a valid EntryKind"):
        uow.ledger.add_entry(member_id, "bonus", 5, datetime(2026, 1, 1, 9))  # type: ignore[arg-type]
    assert _entries(patron) == before


def test_an_enum_kind_is_stored_as_its_word(patron: Patron) -> None:
    member_id = member(patron)
    with patron.uow() as uow:
        uow.ledger.add_entry(member_id, EntryKind.DEBT_SETTLEMENT, -3, datetime(2026, 1, 1, 9))
        uow.commit()
    assert _entries(patron)[-1] == (member_id, "debt_settlement", -3)
