"""Ledger entries, whatever use case writes them, on both stores: only the kinds of
`EntryKind`, and each debit naming what caused it.

`ledger_entries.kind` has no CHECK constraint, so `Ledger.add_entry` is the gate: a word
outside the enum is refused before any SQL and nothing is written.

Not per use case: the entries are written by services/balances.py for every use case that
moves points, and the tests here compare the entries of several (refund, redemption,
adjustment) or none (the store's gate itself).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from patron.bootstrap import Patron
from patron.domain.records import EntryKind
from patron.services.adjust import adjust
from patron.services.commands import Adjust, Redeem, Refund
from patron.services.redeem import redeem
from patron.services.refund import refund
from patron.store import tables as t
from tests.conftest import Clock
from tests.integration.helpers import buy, member


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


@pytest.mark.usefixtures("verified")
def test_each_debit_entry_names_its_refund_redemption_or_adjustment(
    patron: Patron, clock: Clock
) -> None:
    # given 100 welcome points and 200 earned on o-1, spendable after 15 days
    mid = member(patron)
    o1 = buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    clock.advance(days=15)
    # when 30 points are corrected away, 100 redeemed and o-1 returned
    patron.run(adjust, Adjust(mid, -30, "damaged card", "alice"))
    spent = patron.run(redeem, Redeem(mid, points=100))
    back = patron.run(refund, Refund(o1.purchase_id, reason="broken"))
    # then (newest first) the refund's entry names the purchase, the refund and why; the
    # redemption's names the redemption; the correction's names who and why
    with patron.uow(readonly=True) as uow:
        entries = uow.ledger.entries(mid, 3, None)
    assert [
        (e.kind, e.purchase_id, e.refund_id, e.redemption_id, e.actor, e.reason) for e in entries
    ] == [
        ("refund", o1.purchase_id, back.refund_id, None, None, "broken"),
        ("redeem", None, None, spent.redemption_id, None, None),
        ("adjust", None, None, None, "alice", "damaged card"),
    ]
